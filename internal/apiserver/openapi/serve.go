package openapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/munnerz/goautoneg"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const (
	// Both spellings of the protobuf media type are in use: client-go asks
	// for the "@" one, kube-openapi answers with the "." one.
	protoV2        = "com.github.proto-openapi.spec.v2@v1.0+protobuf"
	protoV2Dotted  = "com.github.proto-openapi.spec.v2.v1.0+protobuf"
	v2Path         = "/openapi/v2"
	v3Path         = "/openapi/v3"
	v3PathSlash    = v3Path + "/"
	protoMediaType = "application/" + protoV2Dotted
)

// ServeHTTP serves /openapi/v2 and /openapi/v3[/...]; other paths are 404.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case p == v2Path:
		s.serveV2(w, r)
	case p == v3Path || p == v3PathSlash:
		s.v3.HandleDiscovery(w, r)
	case strings.HasPrefix(p, v3PathSlash):
		if !s.servesGV(strings.TrimPrefix(p, v3PathSlash)) {
			http.NotFound(w, r)
			return
		}
		s.v3.HandleGroupVersion(w, r)
	default:
		http.NotFound(w, r)
	}
}

// servesGV reports whether path ("api/v1", "apis/apps/v1") is a served group-version.
func (s *Service) servesGV(path string) bool {
	var gv schema.GroupVersion
	switch parts := strings.Split(path, "/"); {
	case len(parts) == 2 && parts[0] == "api":
		gv = schema.GroupVersion{Version: parts[1]}
	case len(parts) == 3 && parts[0] == "apis":
		gv = schema.GroupVersion{Group: parts[1], Version: parts[2]}
	default:
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.gvs[gv]
	return ok
}

func (s *Service) serveV2(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	v := s.v2
	s.mu.Unlock()
	accept := r.Header.Get("Accept")
	if accept == "" {
		accept = "*/*"
	}
	w.Header().Add("Vary", "Accept")
	for _, c := range goautoneg.ParseAccept(accept) {
		if c.Type != "application" && c.Type != "*" {
			continue
		}
		var body []byte
		var etag, contentType string
		var err error
		switch c.SubType {
		case "json", "*":
			body, etag, err = v.jsonBytes()
			contentType = "application/json"
		case protoV2, protoV2Dotted:
			body, etag, err = v.protoBytes()
			contentType = protoMediaType
		default:
			continue
		}
		if err != nil {
			slog.Error("Generating OpenAPI v2 document", "err", err)
			http.Error(w, "the OpenAPI document could not be generated", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Etag", strconv.Quote(etag))
		http.ServeContent(w, r, v2Path, time.Time{}, bytes.NewReader(body))
		return
	}
	http.Error(w, "only application/json and application/"+protoV2+" are served", http.StatusNotAcceptable)
}
