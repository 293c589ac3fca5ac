package apiserver

import (
	"fmt"
	"net/http"
	"strconv"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

func (s *Server) serveSubresource(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	if s.serveNodeStream(w, r, info) {
		return
	}
	switch {
	case info.Subresource == "status" || info.Subresource == "approval":
		switch info.Verb {
		case "get":
			s.serveGet(w, r, info, res)
		case "update":
			s.serveUpdate(w, r, info, res, "status")
		case "patch":
			s.servePatch(w, r, info, res, "status")
		default:
			s.writeError(w, r, methodNotSupported(info.Verb, res.GVR.GroupResource()))
		}
	case info.Subresource == "scale":
		s.serveScale(w, r, info, res)
	case info.Subresource == "finalize" && info.Verb == "update":
		s.serveFinalize(w, r, info, res)
	case info.Subresource == "binding" && info.Verb == "create":
		s.serveBinding(w, r, info)
	case info.Subresource == "eviction" && info.Verb == "create":
		s.serveEviction(w, r, info, res)
	case info.Subresource == "token" && info.Verb == "create":
		s.serveTokenRequest(w, r, info)
	default:
		s.writeError(w, r, methodNotSupported(info.Verb, schema.GroupResource{Group: res.GVR.Group, Resource: res.GVR.Resource + "/" + info.Subresource}))
	}
}

var scaleGVK = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// scaleOf reads the Scale view of a scalable object.
func scaleOf(res *registry.Resource, obj runtime.Object) (*autoscalingv1.Scale, error) {
	u, err := toUnstructured(obj)
	if err != nil {
		return nil, err
	}
	m, _ := meta.Accessor(obj)
	sc := &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: metav1.ObjectMeta{Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
			ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp()},
	}
	if v, found, _ := unstructured.NestedFieldNoCopy(u, splitJSONPath(res.Scale.SpecReplicas)...); found {
		sc.Spec.Replicas = int32(toInt64(v))
	}
	if v, found, _ := unstructured.NestedFieldNoCopy(u, splitJSONPath(res.Scale.StatusReplicas)...); found {
		sc.Status.Replicas = int32(toInt64(v))
	}
	if res.Scale.LabelSelector != "" {
		if v, found, _ := unstructured.NestedFieldNoCopy(u, splitJSONPath(res.Scale.LabelSelector)...); found {
			switch sel := v.(type) {
			case string:
				sc.Status.Selector = sel
			case map[string]any:
				var ls metav1.LabelSelector
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(sel, &ls); err == nil {
					if s, err := metav1.LabelSelectorAsSelector(&ls); err == nil {
						sc.Status.Selector = s.String()
					}
				}
			}
		}
	}
	return sc, nil
}

func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	ctx := r.Context()
	switch info.Verb {
	case "get":
		obj, err := s.get(ctx, res, info.Namespace, info.Name)
		if err == nil {
			var sc *autoscalingv1.Scale
			if sc, err = scaleOf(res, obj); err == nil {
				s.writeObject(w, r, http.StatusOK, sc)
				return
			}
		}
		s.writeError(w, r, err)
		return
	case "update", "patch":
	default:
		s.writeError(w, r, methodNotSupported(info.Verb, res.GVR.GroupResource()))
		return
	}
	wo, body, err := s.readWrite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pt := contentType(r)
	out, err := s.update(ctx, res, info.Namespace, info.Name, updateOptions{writeOptions: wo}, func(cur runtime.Object) (runtime.Object, error) {
		sc, err := scaleOf(res, cur)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		want, err := desiredScale(sc, body, info.Verb, pt)
		if err != nil {
			return nil, err
		}
		if want.Spec.Replicas < 0 {
			return nil, apierrors.NewInvalid(scaleGVK.GroupKind(), info.Name, field.ErrorList{
				field.Invalid(field.NewPath("spec", "replicas"), want.Spec.Replicas, "must be greater than or equal to 0")})
		}
		u, err := toUnstructured(cur)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if err := unstructured.SetNestedField(u, int64(want.Spec.Replicas), splitJSONPath(res.Scale.SpecReplicas)...); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		next := res.New()
		if err := fromUnstructured(u, next); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		m, _ := meta.Accessor(next)
		m.SetResourceVersion(want.ResourceVersion)
		return next, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sc, err := scaleOf(res, out)
	if err != nil {
		s.writeError(w, r, apierrors.NewInternalError(err))
		return
	}
	s.writeObject(w, r, http.StatusOK, sc)
}

// desiredScale applies a PUT body or a patch to the current Scale.
func desiredScale(cur *autoscalingv1.Scale, body []byte, verb, pt string) (*autoscalingv1.Scale, error) {
	data := body
	if verb == "patch" {
		curJSON, err := encode(mediaJSON, cur)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		switch pt {
		case patchJSON:
			p, err := jsonpatch.DecodePatch(body)
			if err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
			if data, err = p.Apply(curJSON); err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
		case patchMerge, patchStrategic:
			if data, err = jsonpatch.MergePatch(curJSON, body); err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
		case patchApply:
			j, err := toJSON(body, patchApply)
			if err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
			if data, err = jsonpatch.MergePatch(curJSON, j); err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
		default:
			return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", schemaGR, "", "the body of the request was in an unknown format", 0, false)
		}
	}
	mt := pt // a PUT body comes in its own media type; a patched Scale is JSON
	if verb == "patch" {
		mt = mediaJSON
	}
	out := &autoscalingv1.Scale{}
	if err := decodeOptionsBody(data, mt, out); err != nil {
		return nil, apierrors.NewBadRequest("Scale in version \"v1\" cannot be handled as a Scale: " + err.Error())
	}
	return out, nil
}

func (s *Server) serveFinalize(w http.ResponseWriter, r *http.Request, info requestInfo, res *registry.Resource) {
	body, err := s.readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	want := &corev1.Namespace{}
	if err := decodeOptionsBody(body, contentType(r), want); err != nil {
		s.writeError(w, r, apierrors.NewBadRequest("Namespace in version \"v1\" cannot be handled as a Namespace: "+err.Error()))
		return
	}
	out, err := s.update(r.Context(), res, "", info.Name, updateOptions{system: true}, func(cur runtime.Object) (runtime.Object, error) {
		ns := cur.(*corev1.Namespace)
		if want.ResourceVersion != "" && want.ResourceVersion != ns.ResourceVersion {
			return nil, apierrors.NewConflict(nsGR, info.Name, fmt.Errorf("%s", conflictMessage))
		}
		ns.Spec.Finalizers = want.Spec.Finalizers
		return ns, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, out)
}

var podsGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// serveBinding assigns a pod to a node (pods/binding), as the scheduler does.
func (s *Server) serveBinding(w http.ResponseWriter, r *http.Request, info requestInfo) {
	body, err := s.readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b := &corev1.Binding{}
	if err := decodeOptionsBody(body, contentType(r), b); err != nil {
		s.writeError(w, r, apierrors.NewBadRequest("Binding in version \"v1\" cannot be handled as a Binding: "+err.Error()))
		return
	}
	if b.Target.Name == "" {
		s.writeError(w, r, apierrors.NewInvalid(schema.GroupKind{Kind: "Binding"}, info.Name, field.ErrorList{field.Required(field.NewPath("target", "name"), "")}))
		return
	}
	res, _ := s.Lookup(podsGVR)
	_, err = s.update(r.Context(), res, info.Namespace, info.Name, updateOptions{system: true}, func(cur runtime.Object) (runtime.Object, error) {
		pod := cur.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(podsGVR.GroupResource(), pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
		}
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(podsGVR.GroupResource(), pod.Name, fmt.Errorf("pod %s is already assigned to node %q", pod.Name, pod.Spec.NodeName))
		}
		if b.UID != "" && b.UID != pod.UID {
			return nil, apierrors.NewConflict(podsGVR.GroupResource(), pod.Name, fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
		}
		pod.Spec.NodeName = b.Target.Name
		setPodCondition(pod, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()})
		for k, v := range b.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		return pod, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusSuccess, Code: http.StatusCreated})
}

func setPodCondition(pod *corev1.Pod, c corev1.PodCondition) {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == c.Type {
			pod.Status.Conditions[i] = c
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, c)
}

// Helpers to reach nested fields of typed objects through their unstructured form.

func toUnstructured(obj runtime.Object) (map[string]any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.Object, nil
	}
	return runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
}

func fromUnstructured(u map[string]any, into runtime.Object) error {
	if out, ok := into.(*unstructured.Unstructured); ok {
		out.Object = u
		return nil
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u, into)
}

// splitJSONPath turns ".spec.replicas" into ["spec", "replicas"].
func splitJSONPath(p string) []string { return splitPath(replaceDots(p)) }

func replaceDots(p string) string {
	b := []byte(p)
	for i, c := range b {
		if c == '.' {
			b[i] = '/'
		}
	}
	return string(b)
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	case float64:
		return int64(n)
	case string:
		i, _ := strconv.ParseInt(n, 10, 64)
		return i
	}
	return 0
}
