package crd

import (
	"context"
	"fmt"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// finalize deletes every custom resource of a terminating CRD, stops
// serving it and releases the cleanup finalizer.
func (c *Controller) finalize(ctx context.Context, crd *apiextv1.CustomResourceDefinition) error {
	if !contains(crd.Finalizers, CleanupFinalizer) {
		c.remove(crd.Name)
		return nil
	}
	log := c.log
	log.Info("Deleting custom resources", "crd", crd.Name)
	status := crd.Status.DeepCopy()
	c.setCondition(status, apiextv1.Terminating, apiextv1.ConditionTrue, reasonDeleting, "CustomResource deletion is in progress")
	crd, err := c.writeStatus(ctx, crd, status)
	if err != nil {
		return err
	}
	if rs := c.allResources(crd); len(rs) > 0 {
		if err := c.installer.DeleteAllCustomResources(ctx, rs); err != nil {
			status := crd.Status.DeepCopy()
			c.setCondition(status, apiextv1.Terminating, apiextv1.ConditionTrue, reasonDeleteFailed,
				fmt.Sprintf("could not confirm zero CustomResources remaining: %v", err))
			if _, werr := c.writeStatus(ctx, crd, status); werr != nil {
				log.Error("Writing CRD status failed", "crd", crd.Name, "err", werr)
			}
			return fmt.Errorf("delete custom resources of crd %s: %w", crd.Name, err)
		}
	}
	status = crd.Status.DeepCopy()
	c.setCondition(status, apiextv1.Terminating, apiextv1.ConditionTrue, reasonDeleteDone, "removed all instances")
	if crd, err = c.writeStatus(ctx, crd, status); err != nil {
		return err
	}
	c.remove(crd.Name)

	crd = crd.DeepCopy()
	var keep []string
	for _, f := range crd.Finalizers {
		if f != CleanupFinalizer {
			keep = append(keep, f)
		}
	}
	crd.Finalizers = keep
	_, err = c.client.ApiextensionsV1().CustomResourceDefinitions().Update(ctx, crd, metav1.UpdateOptions{})
	return err
}

func (c *Controller) remove(name string) {
	delete(c.installed, name)
	c.installer.RemoveCustomResources(name)
}

// allResources is what must be emptied on deletion: the CRD's resources
// under its accepted names, with the storage version served so that even a
// CRD serving nothing can be cleaned.
func (c *Controller) allResources(crd *apiextv1.CustomResourceDefinition) []*registry.Resource {
	if crd.Status.AcceptedNames.Plural == "" {
		return nil // never served, nothing stored
	}
	cp := crd.DeepCopy()
	cp.Spec.Names = cp.Status.AcceptedNames
	for i := range cp.Spec.Versions {
		if cp.Spec.Versions[i].Storage {
			cp.Spec.Versions[i].Served = true
		}
	}
	rs, err := Resources(cp)
	if err != nil {
		return nil
	}
	return rs
}
