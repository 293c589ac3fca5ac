package resourcequota

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/bosun-dev/bosun/internal/quota"
)

// sync recomputes one quota's status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	rq, err := c.quotas.ResourceQuotas(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	inv, err := c.inventory(ns)
	if err != nil {
		return fmt.Errorf("inventory of %s: %w", ns, err)
	}
	hard := rq.Spec.Hard.DeepCopy()
	if hard == nil {
		hard = corev1.ResourceList{}
	}
	used := quota.Used(hard, quota.Scopes(rq), inv, c.clock.Now())
	if apiequality.Semantic.DeepEqual(rq.Status.Hard, hard) && apiequality.Semantic.DeepEqual(rq.Status.Used, used) &&
		len(rq.Status.Hard) == len(hard) && len(rq.Status.Used) == len(used) {
		return nil
	}
	rq = rq.DeepCopy()
	rq.Status = corev1.ResourceQuotaStatus{Hard: hard, Used: used}
	if _, err := c.client.CoreV1().ResourceQuotas(ns).UpdateStatus(ctx, rq, metav1.UpdateOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("update status of resourcequota %s: %w", key, err)
	}
	return nil
}

func (c *Controller) inventory(ns string) (quota.Inventory, error) {
	var inv quota.Inventory
	var err error
	if inv.Pods, err = c.pods.Pods(ns).List(labels.Everything()); err != nil {
		return inv, err
	}
	if inv.Services, err = c.services.Services(ns).List(labels.Everything()); err != nil {
		return inv, err
	}
	if inv.PVCs, err = c.pvcs.PersistentVolumeClaims(ns).List(labels.Everything()); err != nil {
		return inv, err
	}
	inv.Counts = map[string]int{}
	for res, count := range c.counters {
		if inv.Counts[res], err = count(ns); err != nil {
			return inv, err
		}
	}
	return inv, nil
}
