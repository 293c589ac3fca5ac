package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// newClaims builds the claims of an ordinal. With whenDeleted=Delete the
// set owns them, so the garbage collector removes them with the set.
func newClaims(set *appsv1.StatefulSet, ord int) []*corev1.PersistentVolumeClaim {
	var out []*corev1.PersistentVolumeClaim
	for _, tmpl := range set.Spec.VolumeClaimTemplates {
		c := tmpl.DeepCopy()
		c.Name, c.Namespace = claimName(set, tmpl.Name, ord), set.Namespace
		c.ResourceVersion, c.UID = "", ""
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		if set.Spec.Selector != nil {
			for k, v := range set.Spec.Selector.MatchLabels {
				c.Labels[k] = v
			}
		}
		if deleteWhen(set, true) {
			c.OwnerReferences = append(c.OwnerReferences, metav1.OwnerReference{
				APIVersion: controllerKind.GroupVersion().String(), Kind: controllerKind.Kind, Name: set.Name, UID: set.UID,
			})
		}
		out = append(out, c)
	}
	return out
}

// deleteWhen reads persistentVolumeClaimRetentionPolicy (Retain unless set).
func deleteWhen(set *appsv1.StatefulSet, setDeleted bool) bool {
	p := set.Spec.PersistentVolumeClaimRetentionPolicy
	if p == nil {
		return false
	}
	if setDeleted {
		return p.WhenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	}
	return p.WhenScaled == appsv1.DeletePersistentVolumeClaimRetentionPolicyType
}

// ensureClaims creates whichever of an ordinal's claims is missing.
func (c *Controller) ensureClaims(ctx context.Context, set *appsv1.StatefulSet, pod string, ord int) error {
	for _, claim := range newClaims(set, ord) {
		if _, err := c.claims.PersistentVolumeClaims(set.Namespace).Get(claim.Name); err == nil {
			continue
		}
		_, err := c.client.CoreV1().PersistentVolumeClaims(set.Namespace).Create(ctx, claim, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			continue
		}
		if err != nil {
			c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %s", claim.Name, pod, set.Name, err)
			return fmt.Errorf("create claim %s/%s: %w", set.Namespace, claim.Name, err)
		}
		c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success", claim.Name, pod, set.Name)
	}
	return nil
}

// claimsToPod makes a condemned pod own its claims (whenScaled=Delete), so
// the garbage collector removes them once the pod is gone.
func (c *Controller) claimsToPod(ctx context.Context, set *appsv1.StatefulSet, ord int, pod *corev1.Pod) error {
	for _, tmpl := range newClaims(set, ord) {
		claim, err := c.claims.PersistentVolumeClaims(set.Namespace).Get(tmpl.Name)
		if err != nil {
			continue
		}
		if ownedBy(claim, pod.UID) {
			continue
		}
		claim = claim.DeepCopy()
		claim.OwnerReferences = append(claim.OwnerReferences, metav1.OwnerReference{
			APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID,
		})
		if _, err := c.client.CoreV1().PersistentVolumeClaims(set.Namespace).Update(ctx, claim, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("hand claim %s to pod %s: %w", claim.Name, pod.Name, err)
		}
	}
	return nil
}

func ownedBy(obj metav1.Object, uid types.UID) bool {
	for _, r := range obj.GetOwnerReferences() {
		if r.UID == uid {
			return true
		}
	}
	return false
}
