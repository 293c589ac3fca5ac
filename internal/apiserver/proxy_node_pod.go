package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// defaultContainerAnnotation names the container kubectl picks when a pod
// has several.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// pod reads the pod a streaming subresource addresses and checks it runs
// somewhere.
func (s *Server) scheduledPod(r *http.Request, info requestInfo) (*corev1.Pod, error) {
	res, _ := s.Lookup(podsGVR)
	obj, err := s.get(r.Context(), res, info.Namespace, info.Name)
	if err != nil {
		return nil, err
	}
	pod := obj.(*corev1.Pod)
	if pod.Spec.NodeName == "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	return pod, nil
}

// podContainer resolves the container a request names, as kube-apiserver:
// the only one, or the default-container annotation, or an error listing
// the choices.
func podContainer(pod *corev1.Pod, name string) (string, error) {
	var all []string
	for _, c := range pod.Spec.InitContainers {
		all = append(all, c.Name)
	}
	for _, c := range pod.Spec.Containers {
		all = append(all, c.Name)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		all = append(all, c.Name)
	}
	if name == "" {
		if d := pod.Annotations[defaultContainerAnnotation]; d != "" && contains(all, d) {
			return d, nil
		}
		switch len(pod.Spec.Containers) {
		case 1:
			return pod.Spec.Containers[0].Name, nil
		case 0:
			return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod.Name))
		default:
			return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, all))
		}
	}
	if !contains(all, name) {
		return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
	}
	return name, nil
}

func (s *Server) podLogLocation(r *http.Request, info requestInfo) (*url.URL, error) {
	q, err := podLogQuery(r.URL.Query(), info.Name)
	if err != nil {
		return nil, err
	}
	pod, err := s.scheduledPod(r, info)
	if err != nil {
		return nil, err
	}
	c, err := podContainer(pod, r.URL.Query().Get("container"))
	if err != nil {
		return nil, err
	}
	loc, err := s.agentURL(r, pod.Spec.NodeName, "/containerLogs/"+pod.Namespace+"/"+pod.Name+"/"+c)
	if err != nil {
		return nil, err
	}
	loc.RawQuery = q.Encode()
	return loc, nil
}

// podLogQuery checks PodLogOptions as kube-apiserver does (unparseable
// values are 400, invalid ones 422) and returns the agent's query.
func podLogQuery(in url.Values, name string) (url.Values, error) {
	out := url.Values{}
	for _, k := range []string{"follow", "previous", "timestamps", "insecureSkipTLSVerifyBackend"} {
		if v := in.Get(k); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid value %q for %s: %v", v, k, err))
			}
			if k != "insecureSkipTLSVerifyBackend" {
				out.Set(k, strconv.FormatBool(b))
			}
		}
	}
	var errs field.ErrorList
	ints := map[string]int64{}
	for _, k := range []string{"tailLines", "limitBytes", "sinceSeconds"} {
		v := in.Get(k)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid value %q for %s: %v", v, k, err))
		}
		ints[k] = n
		out.Set(k, v)
	}
	if v := in.Get("sinceTime"); v != "" {
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid value %q for sinceTime: %v", v, err))
		}
		out.Set("sinceTime", v)
	}
	if n, ok := ints["tailLines"]; ok && n < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), n, "must be greater than or equal to 0"))
	}
	if n, ok := ints["limitBytes"]; ok && n < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), n, "must be greater than 0"))
	}
	n, since := ints["sinceSeconds"]
	switch {
	case since && out.Has("sinceTime"):
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case since && n < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), n, "must be greater than 0"))
	}
	if v := in.Get("stream"); v != "" {
		if v != corev1.LogStreamStdout && v != corev1.LogStreamStderr && v != corev1.LogStreamAll {
			errs = append(errs, field.NotSupported(field.NewPath("stream"), v, []string{corev1.LogStreamStdout, corev1.LogStreamStderr, corev1.LogStreamAll}))
		}
		out.Set("stream", v)
	}
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, name, errs)
	}
	return out, nil
}

// podStreamLocation maps exec, attach and portforward to the agent's
// /exec, /attach and /portForward, passing the stream options on.
func (s *Server) podStreamLocation(r *http.Request, info requestInfo) (*url.URL, error) {
	pod, err := s.scheduledPod(r, info)
	if err != nil {
		return nil, err
	}
	in := r.URL.Query()
	out := url.Values{}
	var path string
	switch info.Subresource {
	case "portforward":
		for _, p := range in["ports"] {
			out.Add("port", p)
		}
		for _, p := range in["port"] {
			out.Add("port", p)
		}
		path = "/portForward/" + pod.Namespace + "/" + pod.Name
	default:
		c, err := podContainer(pod, in.Get("container"))
		if err != nil {
			return nil, err
		}
		for _, k := range []string{"stdin", "stdout", "stderr", "tty"} {
			if v := in.Get(k); v != "" {
				out.Set(k, v)
			}
		}
		if info.Subresource == "exec" {
			out["command"] = in["command"]
		}
		path = "/" + info.Subresource + "/" + pod.Namespace + "/" + pod.Name + "/" + c
	}
	loc, err := s.agentURL(r, pod.Spec.NodeName, path)
	if err != nil {
		return nil, err
	}
	loc.RawQuery = out.Encode()
	return loc, nil
}
