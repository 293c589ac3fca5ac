package volumes

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/bosun-dev/bosun/internal/controller/localpath"
)

// watch registers the informers and turns ConfigMap and Secret changes
// into refreshes of the pods that project them, and deletions of local
// volumes on this node into cleanups.
func (m *Manager) watch(f informers.SharedInformerFactory) {
	cmInf := f.Core().V1().ConfigMaps()
	secInf := f.Core().V1().Secrets()
	pvInf := f.Core().V1().PersistentVolumes()
	m.configMaps, m.secrets = cmInf.Lister(), secInf.Lister()
	m.synced = []cache.InformerSynced{cmInf.Informer().HasSynced, secInf.Informer().HasSynced}
	changed := func(kind string) cache.ResourceEventHandlerFuncs {
		fn := func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if o, ok := obj.(metav1.Object); ok {
				m.enqueueUsers(kind, o.GetNamespace(), o.GetName())
			}
		}
		return cache.ResourceEventHandlerFuncs{
			AddFunc: fn,
			UpdateFunc: func(old, cur any) {
				if old.(metav1.Object).GetResourceVersion() != cur.(metav1.Object).GetResourceVersion() {
					fn(cur)
				}
			},
			DeleteFunc: fn,
		}
	}
	_, _ = cmInf.Informer().AddEventHandler(changed("configmap"))
	_, _ = secInf.Informer().AddEventHandler(changed("secret"))
	pvFn := func(obj any) {
		if pv, ok := obj.(*corev1.PersistentVolume); ok && localpath.NeedsCleanup(pv, m.cfg.NodeName) {
			m.cleanups.Add(pv.Name)
		}
	}
	_, _ = pvInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: pvFn, UpdateFunc: func(_, cur any) { pvFn(cur) }})
	m.pvs = pvInf.Lister()
}

// enqueueUsers queues every known pod with a volume that projects the
// named object.
func (m *Manager) enqueueUsers(kind, ns, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for uid, s := range m.pods {
		if pod := s.current.Load(); pod != nil && pod.Namespace == ns && references(pod, kind, name) {
			m.queue.Add(uid)
		}
	}
}

// references says whether any volume of pod projects the named ConfigMap
// ("configmap") or Secret ("secret").
func references(pod *corev1.Pod, kind, name string) bool {
	for _, v := range pod.Spec.Volumes {
		switch {
		case kind == "configmap" && v.ConfigMap != nil && v.ConfigMap.Name == name,
			kind == "secret" && v.Secret != nil && v.Secret.SecretName == name:
			return true
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				if (kind == "configmap" && src.ConfigMap != nil && src.ConfigMap.Name == name) ||
					(kind == "secret" && src.Secret != nil && src.Secret.Name == name) {
					return true
				}
			}
		}
	}
	return false
}

// Run refreshes the API-backed volumes of set-up pods when what they
// project changes, and every ResyncInterval (renewing tokens), and cleans
// up deleted local-path volumes of this node, until ctx ends.
func (m *Manager) Run(ctx context.Context) {
	defer utilruntime.HandleCrash()
	defer m.queue.ShutDown()
	defer m.cleanups.ShutDown()
	if len(m.synced) > 0 && !cache.WaitForCacheSync(ctx.Done(), m.synced...) {
		return
	}
	go wait.UntilWithContext(ctx, func(ctx context.Context) {
		for m.refreshNext(ctx) {
		}
	}, time.Second)
	go wait.UntilWithContext(ctx, func(ctx context.Context) {
		for m.cleanupNext(ctx) {
		}
	}, time.Second)
	ticker := m.clock.NewTicker(m.cfg.ResyncInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
			m.mu.Lock()
			for uid := range m.pods {
				m.queue.Add(uid)
			}
			m.mu.Unlock()
		}
	}
}

func (m *Manager) refreshNext(ctx context.Context) bool {
	uid, quit := m.queue.Get()
	if quit {
		return false
	}
	defer m.queue.Done(uid)
	m.refresh(ctx, uid)
	m.queue.Forget(uid)
	return true
}

// refresh rewrites a pod's stale API-backed volumes. A failure is recorded
// once per distinct message; the next change or resync retries.
func (m *Manager) refresh(ctx context.Context, uid types.UID) {
	m.mu.Lock()
	s := m.pods[uid]
	m.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pod == nil {
		return
	}
	_, err := m.setup(ctx, s)
	if err == nil {
		s.lastErr = ""
		return
	}
	log := m.log.With("pod", s.pod.Namespace+"/"+s.pod.Name)
	log.Warn("Refreshing volumes failed", "err", err)
	if msg := err.Error(); msg != s.lastErr {
		s.lastErr = msg
		if m.cfg.Recorder != nil {
			m.cfg.Recorder.Event(s.pod, corev1.EventTypeWarning, "FailedMount", msg)
		}
	}
}

func (m *Manager) cleanupNext(ctx context.Context) bool {
	name, quit := m.cleanups.Get()
	if quit {
		return false
	}
	defer m.cleanups.Done(name)
	pv, err := m.pvs.Get(name)
	if err != nil {
		m.cleanups.Forget(name)
		return true
	}
	if !localpath.NeedsCleanup(pv, m.cfg.NodeName) {
		m.cleanups.Forget(name)
		return true
	}
	if err := localpath.Cleanup(ctx, m.cfg.Client, pv, m.cfg.NodeName); err != nil {
		m.log.Warn("Cleaning up local volume failed", "volume", name, "err", err)
		m.cleanups.AddRateLimited(name)
		return true
	}
	m.log.Info("Removed local volume", "volume", name, "path", pv.Spec.HostPath.Path)
	m.cleanups.Forget(name)
	return true
}
