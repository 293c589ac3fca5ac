package volumes

import (
	"fmt"
	"os"
	"path"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// defaultMode is what the API server defaults defaultMode to; it is
// repeated here for volumes that reach us undefaulted.
const defaultMode int32 = 0o644

func modeOf(item *int32, def *int32) os.FileMode {
	switch {
	case item != nil:
		return os.FileMode(*item)
	case def != nil:
		return os.FileMode(*def)
	}
	return os.FileMode(defaultMode)
}

// notFound words a missing source as kubelet does: the singular resource
// name ("configmap", "secret"), not the API's plural.
func notFound(resource, name string) error {
	return apierrors.NewNotFound(schema.GroupResource{Resource: resource}, name)
}

// configMapPayload projects cm (nil when it does not exist) as kubelet's
// configMap volume does: every key, or only items; a missing map or key is
// an error unless optional.
func configMapPayload(name string, cm *corev1.ConfigMap, items []corev1.KeyToPath, def *int32, optional bool, gid int) (map[string]File, error) {
	payload := map[string]File{}
	if cm == nil {
		if optional {
			return payload, nil
		}
		return nil, notFound("configmap", name)
	}
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyPayload(data, items, def, optional, gid, func(key string) error {
		return fmt.Errorf("configmap references non-existent config key: %s", key)
	})
}

// secretPayload is configMapPayload for a Secret.
func secretPayload(name string, s *corev1.Secret, items []corev1.KeyToPath, def *int32, optional bool, gid int) (map[string]File, error) {
	if s == nil {
		if optional {
			return map[string]File{}, nil
		}
		return nil, notFound("secret", name)
	}
	return keyPayload(s.Data, items, def, optional, gid, func(key string) error {
		return fmt.Errorf("references non-existent secret key: %s", key)
	})
}

func keyPayload(data map[string][]byte, items []corev1.KeyToPath, def *int32, optional bool, gid int, missing func(string) error) (map[string]File, error) {
	payload := map[string]File{}
	if len(items) == 0 {
		for k, v := range data {
			payload[k] = File{Data: v, Mode: modeOf(nil, def), GID: gid}
		}
		return payload, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, missing(it.Key)
		}
		payload[path.Clean(it.Path)] = File{Data: v, Mode: modeOf(it.Mode, def), GID: gid}
	}
	return payload, nil
}

// downwardAPIPayload renders each item's field of pod; node supplies
// allocatable for resource limits the container leaves unset.
func downwardAPIPayload(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, def *int32, gid int, node func() (*corev1.Node, error)) (map[string]File, error) {
	payload := map[string]File{}
	for _, it := range items {
		var value string
		var err error
		switch {
		case it.FieldRef != nil:
			value, err = podField(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			value, err = containerResource(pod, it.ResourceFieldRef, node)
		default:
			err = fmt.Errorf("downward API item %q has neither fieldRef nor resourceFieldRef", it.Path)
		}
		if err != nil {
			return nil, err
		}
		payload[path.Clean(it.Path)] = File{Data: []byte(value), Mode: modeOf(it.Mode, def), GID: gid}
	}
	return payload, nil
}

// mergePayload adds src to dst; a later projected source wins a path
// conflict, as kubelet's projection does.
func mergePayload(dst, src map[string]File) {
	for k, v := range src {
		dst[k] = v
	}
}
