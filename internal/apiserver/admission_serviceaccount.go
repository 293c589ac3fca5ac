package apiserver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Names the ServiceAccount admission plugin shares with kubelet and clients.
const (
	serviceAccountAdmissionPlugin = "ServiceAccount"
	defaultServiceAccountName     = "default"
	// serviceAccountMountPath is where client libraries look for in-cluster
	// credentials (token, ca.crt, namespace).
	serviceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
	// serviceAccountVolumePrefix names the projected volume; an existing
	// volume with it is reused, as Kubernetes does.
	serviceAccountVolumePrefix = "kube-api-access-"
	// tokenExpirationSeconds is Kubernetes' "warn-only" bound token lifetime:
	// kubelet refreshes it long before, and the odd 7 seconds let the
	// token authenticator recognise tokens from these projections.
	tokenExpirationSeconds = 3607
	rootCAConfigMap        = "kube-root-ca.crt"
	// defaultLookupAttempts: the serviceaccount controller makes "default"
	// a moment after its namespace, so a pod created right after
	// `kubectl create namespace` waits for it rather than failing.
	defaultLookupAttempts = 10
)

var (
	serviceAccountGVR = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	// serviceAccountErrGR is singular, as in kube-apiserver's message
	// `serviceaccount "default" not found`.
	serviceAccountErrGR = schema.GroupResource{Resource: "serviceaccount"}
)

// admitServiceAccount is the ServiceAccount admission plugin on pod create:
// it defaults spec.serviceAccountName, refuses a pod whose account does not
// exist, mounts a projected token volume into every container (unless
// automounting is turned off on the pod or, when the pod does not say, on
// the account), copies the account's image pull secrets and, when the
// account asks, limits the pod to the secrets it lists.
func (s *Server) admitServiceAccount(ctx context.Context, pod *corev1.Pod) error {
	if slices.Contains(s.cfg.DisableAdmissionPlugins, serviceAccountAdmissionPlugin) {
		return nil
	}
	if _, mirror := pod.Annotations[corev1.MirrorPodAnnotationKey]; mirror {
		// Kubelet deletes a mirror pod whose spec differs from its static
		// pod's, so mirror pods are checked but never changed.
		if err := validateMirrorPodCredentials(pod); err != nil {
			return apierrors.NewForbidden(podsGR, pod.Name, err)
		}
		return nil
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = defaultServiceAccountName
	}
	sa, err := s.serviceAccount(ctx, pod.Namespace, pod.Spec.ServiceAccountName)
	if err != nil {
		return apierrors.NewForbidden(podsGR, pod.Name, fmt.Errorf("error looking up service account %s/%s: %w", pod.Namespace, pod.Spec.ServiceAccountName, err))
	}
	if shouldAutomount(sa, pod) {
		mountServiceAccountToken(pod, serviceAccountVolumePrefix+nameSuffix())
	}
	if len(pod.Spec.ImagePullSecrets) == 0 && len(sa.ImagePullSecrets) > 0 {
		pod.Spec.ImagePullSecrets = slices.Clone(sa.ImagePullSecrets)
	}
	if err := limitSecretReferences(sa, pod); err != nil {
		return apierrors.NewForbidden(podsGR, pod.Name, err)
	}
	return nil
}

// serviceAccount reads an account from the watch cache, then from etcd.
// "default" is retried for up to about two seconds while its controller
// catches up with a new namespace, as kube-apiserver does.
func (s *Server) serviceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	res, ok := s.Lookup(serviceAccountGVR)
	if !ok {
		return nil, apierrors.NewNotFound(serviceAccountErrGR, name)
	}
	key := s.key(res, namespace, name)
	if obj, err := s.store.GetCached(ctx, key); err == nil {
		if sa, ok := obj.(*corev1.ServiceAccount); ok {
			return sa, nil
		}
	}
	attempts := 1
	if name == defaultServiceAccountName {
		attempts = defaultLookupAttempts
	}
	interval := time.Duration(100+rand.IntN(100)) * time.Millisecond
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, apierrors.NewTimeoutError(fmt.Sprintf("waiting for service account %s/%s", namespace, name), 1)
			case <-time.After(interval):
			}
		}
		obj, err := s.store.Get(ctx, key)
		if err == nil {
			if sa, ok := obj.(*corev1.ServiceAccount); ok {
				return sa, nil
			}
			return nil, apierrors.NewInternalError(fmt.Errorf("stored service account %s/%s is a %T", namespace, name, obj))
		}
		if err := storageError(err, serviceAccountErrGR, name); !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	return nil, apierrors.NewNotFound(serviceAccountErrGR, name)
}

// shouldAutomount: the pod's preference wins, then the account's; the
// default is to mount.
func shouldAutomount(sa *corev1.ServiceAccount, pod *corev1.Pod) bool {
	if v := pod.Spec.AutomountServiceAccountToken; v != nil {
		return *v
	}
	if v := sa.AutomountServiceAccountToken; v != nil {
		return *v
	}
	return true
}

// mountServiceAccountToken mounts the token volume read-only at the
// well-known path in every init and app container not already mounting
// something there, and adds the volume (named name unless the pod already
// has one) when any container needs it. Ephemeral containers cannot exist
// at pod create; they are added later through their own subresource.
func mountServiceAccountToken(pod *corev1.Pod, name string) {
	existing := ""
	for _, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, serviceAccountVolumePrefix) {
			existing = v.Name
			break
		}
	}
	if existing != "" {
		name = existing
	}
	mount := corev1.VolumeMount{Name: name, ReadOnly: true, MountPath: serviceAccountMountPath}
	needed := false
	for _, containers := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range containers {
			c := &containers[i]
			if slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == serviceAccountMountPath }) {
				continue
			}
			c.VolumeMounts = append(c.VolumeMounts, mount)
			needed = true
		}
	}
	if needed && existing == "" {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Projected: tokenVolumeSource()}})
	}
}

// tokenVolumeSource is what in-cluster clients read: a bound token, the
// cluster CA and the pod's namespace. The mode is set explicitly so the
// stored pod matches what kube-apiserver stores.
func tokenVolumeSource() *corev1.ProjectedVolumeSource {
	expiration := int64(tokenExpirationSeconds)
	mode := corev1.ProjectedVolumeSourceDefaultMode
	return &corev1.ProjectedVolumeSource{
		DefaultMode: &mode,
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &expiration, Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: rootCAConfigMap},
				Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
			}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
				Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
			}}}},
		},
	}
}
