package openapi

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// v2State is the swagger 2.0 document of one generation of resources.
type v2State struct {
	gvs []*gvState

	docOnce sync.Once
	doc     *spec.Swagger
	docs    []*gvDoc
	err     error

	defsOnce sync.Once
	defs     map[string]*spec.Schema

	jsonOnce sync.Once
	json     []byte
	etag     string
	jsonErr  error

	protoOnce sync.Once
	proto     []byte
	protoErr  error
}

func (s *Service) newV2State(gvs []*gvState) *v2State { return &v2State{gvs: gvs} }

func (v *v2State) swagger() (*spec.Swagger, []*gvDoc, error) {
	v.docOnce.Do(func() {
		for _, st := range v.gvs {
			d, err := st.get()
			if err != nil {
				v.err = err
				return
			}
			v.docs = append(v.docs, d)
		}
		v.doc = mergeSwagger(v.docs)
	})
	return v.doc, v.docs, v.err
}

func (v *v2State) definitions() (map[string]*spec.Schema, error) {
	sw, docs, err := v.swagger()
	if err != nil {
		return nil, err
	}
	v.defsOnce.Do(func() {
		v.defs = make(map[string]*spec.Schema, len(sw.Definitions))
		for n := range sw.Definitions {
			s := sw.Definitions[n]
			v.defs[n] = &s
		}
		for _, d := range docs {
			for n, s := range d.full {
				v.defs[n] = s
			}
		}
	})
	return v.defs, nil
}

func (v *v2State) jsonBytes() ([]byte, string, error) {
	sw, _, err := v.swagger()
	if err != nil {
		return nil, "", err
	}
	v.jsonOnce.Do(func() {
		v.json, v.jsonErr = sw.MarshalJSON()
		sum := sha256.Sum256(v.json)
		v.etag = hex.EncodeToString(sum[:])
	})
	return v.json, v.etag, v.jsonErr
}

// paramHash names a shared parameter by its content, so two parameters with
// one name but different descriptions do not collide.
// Only what simpleParam sets can differ.
func paramHash(p spec.Parameter) string {
	sum := sha256.Sum256([]byte(p.In + "\x00" + p.Name + "\x00" + p.Type + "\x00" + p.Description + "\x00" + strconv.FormatBool(p.Required)))
	return hex.EncodeToString(sum[:4])
}

// mergeSwagger joins group-version documents into the single swagger 2.0
// document, moving the repeated query and path parameters into the shared
// parameters section as Kubernetes does.
func mergeSwagger(docs []*gvDoc) *spec.Swagger {
	sw := newSwagger()
	sw.Parameters = map[string]spec.Parameter{}
	share := func(ps []spec.Parameter) []spec.Parameter {
		out := make([]spec.Parameter, len(ps))
		for i, p := range ps {
			if p.In == "body" {
				out[i] = p
				continue
			}
			key := p.Name + "-" + paramHash(p)
			sw.Parameters[key] = p
			out[i] = spec.Parameter{Refable: spec.Refable{Ref: spec.MustCreateRef("#/parameters/" + key)}}
		}
		return out
	}
	for _, d := range docs {
		for p, it := range d.paths {
			item := *it
			item.Parameters = share(it.Parameters)
			for _, op := range []**spec.Operation{&item.Get, &item.Put, &item.Post, &item.Patch, &item.Delete} {
				if *op == nil {
					continue
				}
				cp := **op
				cp.Parameters = share(cp.Parameters)
				*op = &cp
			}
			sw.Paths.Paths[p] = item
		}
		for n, s := range d.defs {
			sw.Definitions[n] = *s
		}
	}
	return sw
}

// protoBytes is the document in gnostic's protobuf form, which client-go's
// discovery and kubectl ask for.
func (v *v2State) protoBytes() ([]byte, string, error) {
	j, etag, err := v.jsonBytes()
	if err != nil {
		return nil, "", err
	}
	v.protoOnce.Do(func() {
		doc, err := openapi_v2.ParseDocument(j)
		if err != nil {
			v.protoErr = err
			return
		}
		v.proto, v.protoErr = proto.Marshal(doc)
	})
	return v.proto, etag, v.protoErr
}
