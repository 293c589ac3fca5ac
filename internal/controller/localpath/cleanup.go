package localpath

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// NeedsCleanup says whether the agent on node must remove pv's directory:
// the volume is ours, lives on node, is being deleted and still holds the
// finalizer.
func NeedsCleanup(pv *corev1.PersistentVolume, node string) bool {
	return pv.DeletionTimestamp != nil &&
		pv.Annotations[provisionedByAnn] == ProvisionerName &&
		pv.Annotations[NodeAnnotation] == node &&
		slices.Contains(pv.Finalizers, CleanupFinalizer)
}

// Cleanup removes the directory of a deleted local-path volume on this
// node and then releases its finalizer. Node agents call it; it refuses a
// path that is not a directory named after the volume, so a hand-made
// volume carrying our annotations cannot make the agent delete "/".
func Cleanup(ctx context.Context, client kubernetes.Interface, pv *corev1.PersistentVolume, node string) error {
	if !NeedsCleanup(pv, node) {
		return nil
	}
	if pv.Spec.HostPath == nil {
		return fmt.Errorf("clean up volume %s: not a hostPath volume", pv.Name)
	}
	dir := pv.Spec.HostPath.Path
	if !filepath.IsAbs(dir) || filepath.Clean(dir) != dir || filepath.Base(dir) != pv.Name {
		return fmt.Errorf("clean up volume %s: refusing to remove %q, which is not named after the volume", pv.Name, dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clean up volume %s: %w", pv.Name, err)
	}
	cur, err := client.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("clean up volume %s: %w", pv.Name, err)
	}
	if cur.UID != pv.UID || !slices.Contains(cur.Finalizers, CleanupFinalizer) {
		return nil
	}
	cur = cur.DeepCopy()
	cur.Finalizers = slices.DeleteFunc(cur.Finalizers, func(f string) bool { return f == CleanupFinalizer })
	if _, err := client.CoreV1().PersistentVolumes().Update(ctx, cur, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("release finalizer of volume %s: %w", pv.Name, err)
	}
	return nil
}
