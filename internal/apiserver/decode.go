package apiserver

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	sjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"github.com/bosun-dev/bosun/internal/registry"
)

// readBody reads a request body up to the server's limit, answering 413 as
// Kubernetes does beyond it.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	limit := s.cfg.MaxRequestBytes
	if r.ContentLength > limit {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", limit))
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, apierrors.NewBadRequest("read request body: " + err.Error())
	}
	if int64(len(data)) > limit {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", limit))
	}
	return data, nil
}

// fieldValidation is the ?fieldValidation= directive: how unknown and
// duplicate fields are treated.
type fieldValidation string

const (
	validateStrict fieldValidation = "Strict"
	validateWarn   fieldValidation = "Warn"
	validateIgnore fieldValidation = "Ignore"
)

// contentType returns the media type of the request body.
func contentType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt == "" {
		return mediaJSON
	}
	return mt
}

// toJSON converts a JSON or YAML body to JSON.
func toJSON(data []byte, mediaType string) ([]byte, error) {
	if mediaType == mediaYAML || mediaType == "application/apply-patch+yaml" || mediaType == "text/yaml" {
		return yaml.YAMLToJSON(data)
	}
	return data, nil
}

// decodeObject decodes a request body as an object of res, checking its
// apiVersion and kind, and reporting unknown or duplicate fields according to
// fv (Strict fails, Warn adds Warning headers, Ignore drops them).
func (s *Server) decodeObject(w http.ResponseWriter, res *registry.Resource, data []byte, mediaType string, fv fieldValidation) (runtime.Object, error) {
	gvk := res.GVK()
	cannot := func(err error) error {
		return apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err))
	}
	obj := res.New()
	var strict []string
	switch mediaType {
	case mediaProtobuf:
		if _, ok := obj.(runtime.Unstructured); ok {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "", schemaGR, "", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml", 0, false)
		}
		if _, _, err := protobufSerializer.Decode(data, nil, obj); err != nil {
			return nil, cannot(err)
		}
	case mediaJSON, mediaYAML, "text/yaml", "application/apply-patch+yaml":
		jsonData, err := toJSON(data, mediaType)
		if err != nil {
			return nil, cannot(err)
		}
		if u, ok := obj.(*unstructured.Unstructured); ok {
			m := map[string]any{}
			errs, err := sjson.UnmarshalStrict(jsonData, &m, sjson.DisallowDuplicateFields)
			if err != nil {
				return nil, cannot(err)
			}
			if m == nil {
				return nil, cannot(fmt.Errorf("empty body"))
			}
			u.Object = m
			strict = errStrings(errs)
		} else {
			errs, err := sjson.UnmarshalStrict(jsonData, obj)
			if err != nil {
				return nil, cannot(err)
			}
			strict = errStrings(errs)
		}
	default:
		return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "", schemaGR, "", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf", 0, false)
	}
	got := obj.GetObjectKind().GroupVersionKind()
	if got.Empty() {
		obj.GetObjectKind().SetGroupVersionKind(gvk)
	} else {
		if got.GroupVersion() != gvk.GroupVersion() {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", got.GroupVersion(), gvk.GroupVersion()))
		}
		if got.Kind != gvk.Kind {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", got.Kind, gvk.Kind))
		}
	}
	if res.Rules.Prune != nil {
		for _, p := range res.Rules.Prune(obj) {
			strict = append(strict, fmt.Sprintf("unknown field %q", p))
		}
	}
	if err := applyFieldValidation(w, fv, strict, cannot); err != nil {
		return nil, err
	}
	return obj, nil
}

// applyFieldValidation fails (Strict) or warns (Warn) about strict decoding problems.
func applyFieldValidation(w http.ResponseWriter, fv fieldValidation, problems []string, cannot func(error) error) error {
	if len(problems) == 0 || fv == validateIgnore {
		return nil
	}
	if fv == validateStrict {
		return cannot(fmt.Errorf("strict decoding error: %s", strings.Join(problems, ", ")))
	}
	for _, p := range problems {
		addWarning(w, p)
	}
	return nil
}

// addWarning adds a Warning header as kube-apiserver does (299 code, quoted text).
func addWarning(w http.ResponseWriter, text string) {
	w.Header().Add("Warning", "299 - "+strconv.Quote(text))
}

func errStrings(errs []error) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// decodeOptionsBody decodes the body of a request that is not the resource
// itself (DeleteOptions, Binding, Eviction, Scale, TokenRequest, a Namespace
// to finalize) into obj, in the request's media type: client-go's generated
// clients send protobuf for built-in types, kubectl sends JSON.
func decodeOptionsBody(data []byte, mediaType string, obj runtime.Object) error {
	if mediaType == mediaProtobuf {
		_, _, err := protobufSerializer.Decode(data, nil, obj)
		return err
	}
	jsonData, err := toJSON(data, mediaType)
	if err != nil {
		return err
	}
	return sjson.UnmarshalCaseSensitivePreserveInts(jsonData, obj)
}
