package apiserver

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"

	"github.com/bosun-dev/bosun/internal/apiserver/storage"
	"github.com/bosun-dev/bosun/internal/registry"
	"github.com/bosun-dev/bosun/internal/registry/builtin"
)

var rawProtobuf = protobuf.NewRawSerializer(builtin.Scheme, builtin.Scheme)

// defaultWatchTimeout bounds watches that name no timeoutSeconds, randomized
// like kube-apiserver's min-request-timeout so reconnects spread out.
func defaultWatchTimeout() time.Duration {
	return 30*time.Minute + time.Duration(rand.Int64N(int64(30*time.Minute)))
}

func (s *Server) serveWatch(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	q := r.URL.Query()
	sel, err := parseSelection(r, res)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, custom := res.New().(*unstructured.Unstructured)
	out, err := negotiate(r, true, !custom)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	opts := storage.WatchOptions{
		ResourceVersion: q.Get("resourceVersion"),
		AllowBookmarks:  q.Get("allowWatchBookmarks") == "true" && out.as == "",
		Predicate:       sel.predicate(res),
	}
	if v := q.Get("sendInitialEvents"); v != "" {
		b := v == "true"
		opts.SendInitialEvents = &b
		if b && q.Get("resourceVersionMatch") != string(metav1.ResourceVersionMatchNotOlderThan) {
			s.writeError(w, r, apierrors.NewInvalid(schemaGK("ListOptions"), "", fieldErrs("resourceVersionMatch", q.Get("resourceVersionMatch"), "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")))
			return
		}
	}
	// A watch from "" or "0" starts with the current state, as in Kubernetes;
	// the end of that state is marked only for clients that asked for it.
	markInitialEnd := opts.SendInitialEvents != nil && *opts.SendInitialEvents
	if opts.ResourceVersion == "" && opts.SendInitialEvents == nil {
		initial := true
		opts.SendInitialEvents = &initial
	}
	timeout := defaultWatchTimeout()
	if t := q.Get("timeoutSeconds"); t != "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n < 0 {
			s.writeError(w, r, apierrors.NewBadRequest("timeoutSeconds must be a non-negative integer"))
			return
		}
		timeout = time.Duration(n) * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	ns := info.Namespace
	if !res.Namespaced {
		ns = ""
	}
	events, err := s.store.Watch(ctx, s.prefix(res, ns), opts)
	if err != nil {
		err = storageError(err, res.GVR.GroupResource(), "")
		if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
			s.writeError(w, r, err)
			return
		}
	}

	enc := &watchEncoder{s: s, r: r, res: res, out: out, w: w}
	if out.mediaType == mediaProtobuf {
		w.Header().Set("Content-Type", mediaProtobuf+";stream=watch")
	} else {
		w.Header().Set("Content-Type", out.mediaType)
	}
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	if err != nil {
		// A watch from a compacted revision is answered with an ERROR event, as
		// Kubernetes does, so clients relist.
		st := err.(apierrors.APIStatus).Status()
		st.Kind, st.APIVersion = "Status", "v1"
		_ = enc.write("ERROR", &st)
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if ev.Type == storage.Bookmark && ev.InitialEventsEnd && !markInitialEnd {
				continue
			}
			if err := enc.event(ev); err != nil {
				return
			}
			if flusher != nil && len(events) == 0 {
				flusher.Flush()
			}
		}
	}
}

// watchEncoder writes watch events in the negotiated framing.
type watchEncoder struct {
	s           *Server
	r           *http.Request
	res         *registry.Resource
	out         outputKind
	w           http.ResponseWriter
	sentColumns bool
	keys        map[storage.EventType]string
}

func (e *watchEncoder) event(ev storage.Event) error {
	if ev.Type != storage.Bookmark && e.out.as == "" {
		// Every watcher of this resource given this event in this format
		// writes the same bytes: encode them once.
		data, err := ev.Memo.Do(e.memoKey(ev.Type), func() ([]byte, error) {
			obj, err := e.s.fromStorage(e.res, ev.Object)
			if err != nil {
				return nil, err
			}
			return e.frame(string(ev.Type), obj)
		})
		if err != nil {
			return err
		}
		_, err = e.w.Write(data)
		return err
	}
	var obj runtime.Object
	if ev.Type == storage.Bookmark {
		obj = e.res.New()
		m, _ := meta.Accessor(obj)
		m.SetResourceVersion(strconv.FormatInt(ev.Revision, 10))
		if ev.InitialEventsEnd {
			m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
		}
	} else {
		var err error
		if obj, err = e.s.fromStorage(e.res, ev.Object); err != nil {
			return err
		}
	}
	switch e.out.as {
	case "Table":
		if ev.Type == storage.Bookmark {
			return nil
		}
		table, err := e.s.toTable(e.r, e.res, obj, nil)
		if err != nil {
			return err
		}
		if e.sentColumns {
			table.ColumnDefinitions = nil
		}
		e.sentColumns = true
		obj = table
	case "PartialObjectMetadata", "PartialObjectMetadataList":
		obj = metaOf(obj)
	}
	return e.write(string(ev.Type), obj)
}

// memoKey names this watcher's encoding of an event of type t: watchers of
// one resource in one format share it. Made once per type, not per event.
func (e *watchEncoder) memoKey(t storage.EventType) string {
	if k, ok := e.keys[t]; ok {
		return k
	}
	if e.keys == nil {
		e.keys = make(map[storage.EventType]string, 3)
	}
	k := e.out.mediaType + " " + string(t) + " " + e.res.GVR.String()
	e.keys[t] = k
	return k
}

func (e *watchEncoder) write(eventType string, obj runtime.Object) error {
	data, err := e.frame(eventType, obj)
	if err != nil {
		return err
	}
	_, err = e.w.Write(data)
	return err
}

// frame encodes one watch event in the negotiated framing: a length-prefixed
// protobuf WatchEvent, or a JSON (or YAML) document.
func (e *watchEncoder) frame(eventType string, obj runtime.Object) ([]byte, error) {
	mt := e.out.mediaType
	data, err := encode(mt, obj)
	if err != nil {
		return nil, err
	}
	we := &metav1.WatchEvent{Type: eventType, Object: runtime.RawExtension{Raw: data}}
	if mt == mediaProtobuf {
		if _, isJSON := obj.(runtime.Unstructured); !isJSON {
			var buf bytes.Buffer
			buf.Write([]byte{0, 0, 0, 0})
			if err := rawProtobuf.Encode(we, &buf); err != nil {
				return nil, err
			}
			frame := buf.Bytes()
			binary.BigEndian.PutUint32(frame[:4], uint32(len(frame)-4))
			return frame, nil
		}
	}
	return encode(mediaJSON, we)
}
