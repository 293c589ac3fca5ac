package sim

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// runPods moves pods through Stages with Options.Workers status writers.
func (f *fleet) runPods(ctx context.Context) {
	defer f.podQueue.ShutDown()
	for range f.o.Workers {
		go func() {
			for f.nextPod(ctx) {
			}
		}()
	}
	<-ctx.Done()
}

func (f *fleet) nextPod(ctx context.Context) bool {
	key, quit := f.podQueue.Get()
	if quit {
		return false
	}
	defer f.podQueue.Done(key)
	if err := f.syncPod(ctx, key); err != nil {
		if ctx.Err() == nil {
			slog.Debug("Pod stage will be retried", "pod", key, "err", err)
		}
		f.podQueue.AddRateLimited(key)
		return true
	}
	f.podQueue.Forget(key)
	return true
}

// syncPod applies the stage due for a pod, or schedules a look when it
// will be due. Pods of a failed node are left alone, as a dead kubelet
// would; healing requeues them.
func (f *fleet) syncPod(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := f.podLister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	n := f.nodes[pod.Spec.NodeName]
	if n == nil || f.isDead(n.name) {
		return nil
	}
	ips := f.podIPs(n)
	if ip, err := netip.ParseAddr(pod.Status.PodIP); err == nil && !pod.Spec.HostNetwork {
		ips.reserve(pod.UID, ip)
	}
	now := time.Now()
	stage, wait := Next(Stages, pod, f.o, now)
	if stage == nil {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			ips.release(pod.UID)
		}
		return nil
	}
	if wait > 0 {
		f.podQueue.AddAfter(key, wait)
		return nil
	}
	if stage.Delete {
		// Kubelet's final word: the containers are gone, remove the object
		// at once, but only the pod we saw, never a namesake.
		err := f.client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr(int64(0)), Preconditions: metav1.NewUIDPreconditions(string(pod.UID))})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return fmt.Errorf("confirm deletion of pod %s: %w", key, err)
		}
		ips.release(pod.UID)
		return nil
	}
	hostIP := nodeIP(n.index).String()
	env := Env{Now: now, HostIP: hostIP, PodIP: hostIP}
	if !pod.Spec.HostNetwork {
		ip, err := ips.assign(pod.UID)
		if err != nil {
			return fmt.Errorf("start pod %s: %w", key, err)
		}
		env.PodIP = ip.String()
	}
	pod = pod.DeepCopy()
	pod.Status = *stage.Status(pod, env)
	if _, err := f.client.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		// A conflict means a newer pod is on its way through the informer;
		// the rate-limited retry reads it.
		return fmt.Errorf("update status of pod %s (stage %s): %w", key, stage.Name, err)
	}
	slog.Debug("Pod stage done", "pod", key, "stage", stage.Name, "node", n.name)
	return nil
}

// podIPs is the node's address pool, over spec.podCIDR when a controller
// gave it one, else over the node's slot in the sim's own plan.
func (f *fleet) podIPs(n *simNode) *podIPs {
	n.ipsOnce.Do(func() {
		prefix := podCIDR(n.index)
		if node, err := f.nodeLister.Get(n.name); err == nil {
			if p, err := netip.ParsePrefix(node.Spec.PodCIDR); err == nil && p.Addr().Is4() {
				prefix = p
			}
		}
		n.ips = newPodIPs(prefix)
	})
	return n.ips
}
