package containerconfig

import (
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// orderedEnv keeps first-definition order while later definitions override
// values, so the result is stable and shadowing behaves as in kubelet.
type orderedEnv struct {
	names  []string
	values map[string]string
}

func (e *orderedEnv) set(name, value string) {
	if _, ok := e.values[name]; !ok {
		e.names = append(e.names, name)
	}
	e.values[name] = value
}

// environment builds the container's variables the way kubelet does: envFrom
// sources, then env entries (expanded against what came before and the
// service variables), then service variables no one overrode.
func (b *Builder) environment(pod *v1.Pod, c *v1.Container, opts ContainerOptions) ([]*runtimeapi.KeyValue, map[string]string, error) {
	svcEnv, err := b.serviceEnv(pod)
	if err != nil {
		return nil, nil, newConfigError(fmt.Sprintf("list services for pod environment: %v", err), err)
	}
	env := &orderedEnv{values: map[string]string{}}
	for _, from := range c.EnvFrom {
		if err := b.envFrom(pod.Namespace, from, env); err != nil {
			return nil, nil, err
		}
	}
	mapping := mappingFor(env.values, svcEnv)
	for _, e := range c.Env {
		value := e.Value
		switch {
		case e.ValueFrom != nil:
			v, skip, err := b.envValueFrom(pod, c, e.ValueFrom, opts)
			if err != nil {
				return nil, nil, err
			}
			if skip {
				continue
			}
			value = v
		case value != "":
			value = Expand(value, mapping)
		}
		env.set(e.Name, value)
	}
	svcNames := make([]string, 0, len(svcEnv))
	for n := range svcEnv {
		if _, ok := env.values[n]; !ok {
			svcNames = append(svcNames, n)
		}
	}
	sort.Strings(svcNames)
	for _, n := range svcNames {
		env.set(n, svcEnv[n])
	}
	out := make([]*runtimeapi.KeyValue, len(env.names))
	for i, n := range env.names {
		out[i] = &runtimeapi.KeyValue{Key: n, Value: []byte(env.values[n])}
	}
	return out, env.values, nil
}

func (b *Builder) envFrom(ns string, from v1.EnvFromSource, env *orderedEnv) error {
	var data map[string]string
	switch {
	case from.ConfigMapRef != nil:
		cm, err := b.configMap(ns, from.ConfigMapRef.Name)
		if err != nil {
			if isNotFound(err) && optional(from.ConfigMapRef.Optional) {
				return nil
			}
			return err
		}
		data = cm.Data
	case from.SecretRef != nil:
		s, err := b.secret(ns, from.SecretRef.Name)
		if err != nil {
			if isNotFound(err) && optional(from.SecretRef.Optional) {
				return nil
			}
			return err
		}
		data = make(map[string]string, len(s.Data))
		for k, v := range s.Data {
			data[k] = string(v)
		}
	default:
		return nil
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := from.Prefix + k
		// Keys that cannot be variable names are skipped, not fatal, as in
		// kubelet (which only reports them in an event).
		if name == "" || strings.Contains(name, "=") {
			continue
		}
		env.set(name, data[k])
	}
	return nil
}

// envValueFrom resolves one valueFrom; skip reports an optional source that
// is absent, which leaves the variable unset.
func (b *Builder) envValueFrom(pod *v1.Pod, c *v1.Container, src *v1.EnvVarSource, opts ContainerOptions) (value string, skip bool, err error) {
	switch {
	case src.FieldRef != nil:
		v, err := FieldValue(pod, src.FieldRef.FieldPath, opts.PodIPs, opts.HostIPs)
		if err != nil {
			return "", false, newConfigError(err.Error(), err)
		}
		return v, false, nil
	case src.ResourceFieldRef != nil:
		v, err := ResourceFieldValue(pod, c, src.ResourceFieldRef, b.allocatable())
		if err != nil {
			return "", false, newConfigError(err.Error(), err)
		}
		return v, false, nil
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm, err := b.configMap(pod.Namespace, ref.Name)
		if err != nil {
			return "", isNotFound(err) && optional(ref.Optional), skipIfOptional(err, ref.Optional)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if optional(ref.Optional) {
				return "", true, nil
			}
			return "", false, newConfigError(fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name), nil)
		}
		return v, false, nil
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		s, err := b.secret(pod.Namespace, ref.Name)
		if err != nil {
			return "", isNotFound(err) && optional(ref.Optional), skipIfOptional(err, ref.Optional)
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			if optional(ref.Optional) {
				return "", true, nil
			}
			return "", false, newConfigError(fmt.Sprintf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name), nil)
		}
		return string(v), false, nil
	}
	return "", true, nil
}

func skipIfOptional(err error, opt *bool) error {
	if isNotFound(err) && optional(opt) {
		return nil
	}
	return err
}

func (b *Builder) configMap(ns, name string) (*v1.ConfigMap, error) {
	if b.cfg.Lookup == nil {
		return nil, notFound("configmap", name, nil)
	}
	cm, err := b.cfg.Lookup.ConfigMap(ns, name)
	switch {
	case cm == nil && (err == nil || apierrors.IsNotFound(err)):
		return nil, notFound("configmap", name, err)
	case err != nil:
		return nil, newConfigError(fmt.Sprintf("get configmap %s/%s: %v", ns, name, err), err)
	}
	return cm, nil
}

func (b *Builder) secret(ns, name string) (*v1.Secret, error) {
	if b.cfg.Lookup == nil {
		return nil, notFound("secret", name, nil)
	}
	s, err := b.cfg.Lookup.Secret(ns, name)
	switch {
	case s == nil && (err == nil || apierrors.IsNotFound(err)):
		return nil, notFound("secret", name, err)
	case err != nil:
		return nil, newConfigError(fmt.Sprintf("get secret %s/%s: %v", ns, name, err), err)
	}
	return s, nil
}

// notFoundError is a missing ConfigMap or Secret, worded as kubelet's
// object managers word it.
type notFoundError struct{ ConfigError }

func notFound(kind, name string, cause error) error {
	return &notFoundError{ConfigError{msg: fmt.Sprintf("%s %q not found", kind, name), cause: cause}}
}

func isNotFound(err error) bool {
	_, ok := err.(*notFoundError)
	return ok
}

func optional(o *bool) bool { return o != nil && *o }
