package volumes

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nodeCacheTTL bounds how stale the node's allocatable may be in downward
// API limits; it changes only when the node is resized.
const nodeCacheTTL = time.Minute

// payload computes the files of an API-backed volume.
func (m *Manager) payload(ctx context.Context, pod *corev1.Pod, v *corev1.Volume) (map[string]File, error) {
	gid := fsGroup(pod)
	switch {
	case v.ConfigMap != nil:
		src := v.ConfigMap
		cm, err := m.configMap(ctx, pod.Namespace, src.Name)
		if err != nil {
			return nil, err
		}
		return configMapPayload(src.Name, cm, src.Items, src.DefaultMode, src.Optional != nil && *src.Optional, gid)
	case v.Secret != nil:
		src := v.Secret
		s, err := m.secret(ctx, pod.Namespace, src.SecretName)
		if err != nil {
			return nil, err
		}
		return secretPayload(src.SecretName, s, src.Items, src.DefaultMode, src.Optional != nil && *src.Optional, gid)
	case v.DownwardAPI != nil:
		return downwardAPIPayload(pod, v.DownwardAPI.Items, v.DownwardAPI.DefaultMode, gid, m.nodeFunc(ctx))
	case v.Projected != nil:
		return m.projectedPayload(ctx, pod, v.Projected, gid)
	}
	return nil, fmt.Errorf("volume %q is not API-backed", v.Name)
}

func (m *Manager) projectedPayload(ctx context.Context, pod *corev1.Pod, p *corev1.ProjectedVolumeSource, gid int) (map[string]File, error) {
	payload := map[string]File{}
	for _, src := range p.Sources {
		var part map[string]File
		var err error
		switch {
		case src.ConfigMap != nil:
			c := src.ConfigMap
			var cm *corev1.ConfigMap
			if cm, err = m.configMap(ctx, pod.Namespace, c.Name); err == nil {
				part, err = configMapPayload(c.Name, cm, c.Items, p.DefaultMode, c.Optional != nil && *c.Optional, gid)
			}
		case src.Secret != nil:
			c := src.Secret
			var s *corev1.Secret
			if s, err = m.secret(ctx, pod.Namespace, c.Name); err == nil {
				part, err = secretPayload(c.Name, s, c.Items, p.DefaultMode, c.Optional != nil && *c.Optional, gid)
			}
		case src.DownwardAPI != nil:
			part, err = downwardAPIPayload(pod, src.DownwardAPI.Items, p.DefaultMode, gid, m.nodeFunc(ctx))
		case src.ServiceAccountToken != nil:
			var tok string
			if tok, err = m.tokens.get(ctx, pod, src.ServiceAccountToken); err == nil {
				part = map[string]File{src.ServiceAccountToken.Path: {Data: []byte(tok), Mode: modeOf(nil, p.DefaultMode), GID: gid}}
			}
		default:
			err = fmt.Errorf("projected source type not supported by bosun (only configMap, secret, downwardAPI and serviceAccountToken are)")
		}
		if err != nil {
			return nil, err
		}
		mergePayload(payload, part)
	}
	return payload, nil
}

// configMap reads from the informer once it has synced, else from the
// API; nil means it does not exist.
func (m *Manager) configMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	var cm *corev1.ConfigMap
	var err error
	if m.configMaps != nil && m.synced[0]() {
		cm, err = m.configMaps.ConfigMaps(ns).Get(name)
	} else {
		cm, err = m.cfg.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get configmap %q: %w", name, err)
	}
	return cm, nil
}

// secret is configMap for Secrets.
func (m *Manager) secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	var s *corev1.Secret
	var err error
	if m.secrets != nil && m.synced[1]() {
		s, err = m.secrets.Secrets(ns).Get(name)
	} else {
		s, err = m.cfg.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get secret %q: %w", name, err)
	}
	return s, nil
}

// nodeFunc fetches this node lazily: only limits a container leaves unset
// need it.
func (m *Manager) nodeFunc(ctx context.Context) func() (*corev1.Node, error) {
	return func() (*corev1.Node, error) {
		m.nodeMu.Lock()
		defer m.nodeMu.Unlock()
		now := m.clock.Now()
		if m.node != nil && now.Sub(m.nodeTime) < nodeCacheTTL {
			return m.node, nil
		}
		n, err := m.cfg.Client.CoreV1().Nodes().Get(ctx, m.cfg.NodeName, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		m.node, m.nodeTime = n, now
		return n, nil
	}
}
