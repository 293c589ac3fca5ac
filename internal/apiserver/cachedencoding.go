package apiserver

import (
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
)

// formatProtobufItem names, in storage.Encodings, an object's protobuf
// message as a list item carries it: no envelope, no TypeMeta.
const formatProtobufItem = "protobuf-item"

// writeCachedObject writes obj in mediaType as writeEncoded does, from its
// cached encoding, made on first use: objects are read far more often than
// they change. An encoding error is left to writeEncoded to report.
func (s *Server) writeCachedObject(w http.ResponseWriter, r *http.Request, mediaType string, obj runtime.Object, enc *storage.Encodings) {
	data, err := enc.Do("object "+mediaType, func() ([]byte, error) { return encode(mediaType, obj) })
	if err != nil {
		s.writeEncoded(w, r, http.StatusOK, mediaType, obj)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Cache-Control", "no-cache, private")
	body := &responseBody{w: w, code: http.StatusOK, gzipOK: strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")}
	_, _ = body.Write(data)
	body.close()
}

// protoMarshaler is what every built-in type's generated code provides.
type protoMarshaler interface {
	Marshal() ([]byte, error)
}

// withProtobufEncodings returns list with its items wrapped so that the
// protobuf serializer writes each item's cached encoding instead of
// encoding it again: encoding was most of a large list's CPU (10,000 pods:
// ~200 ms of ~220), and the cache's objects do not change once stored. The
// bytes are those the serializer would write itself, as the tests check.
// list comes back unchanged when it is not a typed list from the cache.
func withProtobufEncodings(list runtime.Object, encs []*storage.Encodings) runtime.Object {
	l, ok := list.(*itemList)
	if !ok || encs == nil || len(encs) != len(l.Items) {
		return list
	}
	items := make([]protobufItem, len(l.Items))
	wrapped := make([]runtime.Object, len(l.Items))
	for i, it := range l.Items {
		m, ok := it.(protoMarshaler)
		if !ok {
			return list
		}
		items[i] = protobufItem{Object: it, marshal: m, enc: encs[i]}
		wrapped[i] = &items[i]
	}
	return &itemList{TypeMeta: l.TypeMeta, ListMeta: l.ListMeta, Items: wrapped}
}

// protobufItem is a list item whose protobuf encoding is cached. The
// serializer's streaming list encoder asks every item for Size before it
// writes any, then writes what Marshal returns. protobufItem deliberately
// lacks MarshalToSizedBuffer and MarshalTo, which the serializer prefers,
// as they would copy the bytes once more.
type protobufItem struct {
	runtime.Object
	marshal protoMarshaler
	enc     *storage.Encodings

	done bool
	data []byte
	err  error
}

// Size returns the encoding's length, encoding (and caching) on first use.
// An encoding error makes it 0, and Marshal return the error.
func (i *protobufItem) Size() int {
	if !i.done {
		i.data, i.err = i.enc.Do(formatProtobufItem, i.marshal.Marshal)
		i.done = true
	}
	return len(i.data)
}

// Marshal returns the cached encoding; shared: the serializer only writes it.
func (i *protobufItem) Marshal() ([]byte, error) {
	i.Size()
	return i.data, i.err
}
