package apiserver

import (
	"fmt"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// enforceMountableSecretsAnnotation on a ServiceAccount limits its pods to
// the secrets the account lists, as in Kubernetes.
const enforceMountableSecretsAnnotation = "kubernetes.io/enforce-mountable-secrets"

// limitSecretReferences refuses a pod of an account carrying the
// enforce-mountable-secrets annotation that uses a secret the account does
// not list: in a secret volume, in an init or app container's environment,
// or as an image pull secret (which must be among the account's pull
// secrets). It runs after the account's pull secrets were copied in.
func limitSecretReferences(sa *corev1.ServiceAccount, pod *corev1.Pod) error {
	if enforce, _ := strconv.ParseBool(sa.Annotations[enforceMountableSecretsAnnotation]); !enforce {
		return nil
	}
	listed := func(refs []corev1.ObjectReference, name string) bool {
		return slices.ContainsFunc(refs, func(r corev1.ObjectReference) bool { return r.Name == name })
	}
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil && !listed(sa.Secrets, v.Secret.SecretName) {
			return fmt.Errorf("volume with secret.secretName=%q is not allowed because service account %s does not reference that secret", v.Secret.SecretName, sa.Name)
		}
	}
	for _, group := range []struct {
		kind       string
		containers []corev1.Container
	}{{"init container", pod.Spec.InitContainers}, {"container", pod.Spec.Containers}} {
		for _, c := range group.containers {
			for _, env := range c.Env {
				if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil && !listed(sa.Secrets, env.ValueFrom.SecretKeyRef.Name) {
					return fmt.Errorf("%s %s with envVar %s referencing secret.secretName=%q is not allowed because service account %s does not reference that secret", group.kind, c.Name, env.Name, env.ValueFrom.SecretKeyRef.Name, sa.Name)
				}
			}
			for _, from := range c.EnvFrom {
				if from.SecretRef != nil && !listed(sa.Secrets, from.SecretRef.Name) {
					return fmt.Errorf("%s %s with envFrom referencing secret.secretName=%q is not allowed because service account %s does not reference that secret", group.kind, c.Name, from.SecretRef.Name, sa.Name)
				}
			}
		}
	}
	for i, ref := range pod.Spec.ImagePullSecrets {
		if !slices.Contains(sa.ImagePullSecrets, ref) {
			return fmt.Errorf("imagePullSecrets[%d].name=%q is not allowed because service account %s does not reference that imagePullSecret", i, ref.Name, sa.Name)
		}
	}
	return nil
}
