package apiserver

import (
	"bytes"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/bosun-dev/bosun/internal/registry/builtin"
)

const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
	// gzipThreshold is the response size from which gzip is used when the
	// client accepts it, as kube-apiserver does (128 KiB).
	gzipThreshold = 128 * 1024
)

var (
	// Lists stream one item at a time, as kube-apiserver's do: no second
	// copy of a large list's encoding is built.
	jsonSerializer     = json.NewSerializerWithOptions(json.DefaultMetaFactory, builtin.Scheme, builtin.Scheme, json.SerializerOptions{StreamingCollectionsEncoding: true})
	yamlSerializer     = json.NewSerializerWithOptions(json.DefaultMetaFactory, builtin.Scheme, builtin.Scheme, json.SerializerOptions{Yaml: true})
	protobufSerializer = protobuf.NewSerializerWithOptions(builtin.Scheme, builtin.Scheme, protobuf.SerializerOptions{StreamingCollectionsEncoding: true})
)

// acceptedType is one entry of an Accept header.
type acceptedType struct {
	mediaType string
	params    map[string]string
}

func parseAccept(header string) []acceptedType {
	if header == "" {
		return []acceptedType{{mediaType: "*/*"}}
	}
	var out []acceptedType
	for _, part := range strings.Split(header, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		out = append(out, acceptedType{mediaType: mt, params: params})
	}
	return out
}

// outputKind says how a response is encoded.
type outputKind struct {
	mediaType string
	// as is "Table", "PartialObjectMetadata" or "PartialObjectMetadataList" when
	// the client asked for a transformed response.
	as string
}

// negotiate picks the response encoding for an object response. tableOK says
// whether the caller can produce Table/PartialObjectMetadata transforms.
func negotiate(r *http.Request, tableOK bool, protobufOK bool) (outputKind, error) {
	for _, a := range parseAccept(r.Header.Get("Accept")) {
		if as := a.params["as"]; as != "" {
			if !tableOK || a.params["g"] != "meta.k8s.io" || (a.params["v"] != "v1" && a.params["v"] != "v1beta1") {
				continue
			}
			switch as {
			case "Table", "PartialObjectMetadata", "PartialObjectMetadataList":
			default:
				continue
			}
			mt := a.mediaType
			if mt == mediaProtobuf {
				mt = mediaJSON
			}
			if mt != mediaJSON && mt != mediaYAML {
				continue
			}
			return outputKind{mediaType: mt, as: as}, nil
		}
		switch a.mediaType {
		case mediaJSON, "application/*", "*/*":
			return outputKind{mediaType: mediaJSON}, nil
		case mediaYAML:
			return outputKind{mediaType: mediaYAML}, nil
		case mediaProtobuf:
			if protobufOK {
				return outputKind{mediaType: mediaProtobuf}, nil
			}
		}
	}
	return outputKind{}, apierrors.NewGenericServerResponse(http.StatusNotAcceptable, "", schemaGR, "", "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf", 0, false)
}

// encode serializes obj in mediaType.
func encode(mediaType string, obj runtime.Object) ([]byte, error) {
	var buf bytes.Buffer
	err := encodeTo(&buf, mediaType, obj)
	return buf.Bytes(), err
}

// encodeTo writes obj in mediaType to w.
func encodeTo(w io.Writer, mediaType string, obj runtime.Object) error {
	switch mediaType {
	case mediaYAML:
		return yamlSerializer.Encode(obj, w)
	case mediaProtobuf:
		if _, ok := obj.(runtime.Unstructured); !ok {
			// A list's items are encoded one by one into one reused buffer:
			// every writer beneath copies what it is given before returning.
			return protobufSerializer.EncodeWithAllocator(obj, w, &runtime.Allocator{})
		}
	}
	return jsonSerializer.Encode(obj, w)
}

// writeObject encodes obj for the client (content negotiation by Accept)
// and writes it with code, gzipping large bodies when accepted.
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, code int, obj runtime.Object) {
	_, unstructured := obj.(runtime.Unstructured)
	out, err := negotiate(r, false, !unstructured)
	if err != nil {
		out = outputKind{mediaType: mediaJSON}
	}
	s.writeEncoded(w, r, code, out.mediaType, obj)
}

func (s *Server) writeEncoded(w http.ResponseWriter, r *http.Request, code int, mediaType string, obj runtime.Object) {
	if _, ok := obj.(runtime.Unstructured); ok && mediaType == mediaProtobuf {
		mediaType = mediaJSON
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Cache-Control", "no-cache, private")
	body := &responseBody{w: w, code: code, gzipOK: strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")}
	if err := encodeTo(body, mediaType, obj); err != nil {
		if !body.started() {
			w.Header().Del("Content-Type")
			http.Error(w, "encode response: "+err.Error(), http.StatusInternalServerError)
			return
		}
		// Headers are sent: all we can do is cut the body short.
		slog.Error("Encoding response failed", "path", r.URL.Path, "err", err)
	}
	body.close()
}
