package resourcequota

import (
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// counter counts the objects of one resource in a namespace.
type counter func(namespace string) (int, error)

// counters maps "resource.group" (plain "resource" for the core group) to
// its counter. Pods, Services and claims are counted by their own usage
// functions, because only some of them count.
func counters(f informers.SharedInformerFactory) map[string]counter {
	core, apps, batch := f.Core().V1(), f.Apps().V1(), f.Batch().V1()
	return map[string]counter{
		"configmaps": func(ns string) (int, error) {
			l, err := core.ConfigMaps().Lister().ConfigMaps(ns).List(labels.Everything())
			return len(l), err
		},
		"secrets": func(ns string) (int, error) {
			l, err := core.Secrets().Lister().Secrets(ns).List(labels.Everything())
			return len(l), err
		},
		"replicationcontrollers": func(ns string) (int, error) {
			l, err := core.ReplicationControllers().Lister().ReplicationControllers(ns).List(labels.Everything())
			return len(l), err
		},
		"resourcequotas": func(ns string) (int, error) {
			l, err := core.ResourceQuotas().Lister().ResourceQuotas(ns).List(labels.Everything())
			return len(l), err
		},
		"deployments.apps": func(ns string) (int, error) {
			l, err := apps.Deployments().Lister().Deployments(ns).List(labels.Everything())
			return len(l), err
		},
		"replicasets.apps": func(ns string) (int, error) {
			l, err := apps.ReplicaSets().Lister().ReplicaSets(ns).List(labels.Everything())
			return len(l), err
		},
		"statefulsets.apps": func(ns string) (int, error) {
			l, err := apps.StatefulSets().Lister().StatefulSets(ns).List(labels.Everything())
			return len(l), err
		},
		"daemonsets.apps": func(ns string) (int, error) {
			l, err := apps.DaemonSets().Lister().DaemonSets(ns).List(labels.Everything())
			return len(l), err
		},
		"jobs.batch": func(ns string) (int, error) {
			l, err := batch.Jobs().Lister().Jobs(ns).List(labels.Everything())
			return len(l), err
		},
		"cronjobs.batch": func(ns string) (int, error) {
			l, err := batch.CronJobs().Lister().CronJobs(ns).List(labels.Everything())
			return len(l), err
		},
	}
}

// informersOf lists the informers whose objects feed quota usage.
func informersOf(f informers.SharedInformerFactory) []cache.SharedIndexInformer {
	core, apps, batch := f.Core().V1(), f.Apps().V1(), f.Batch().V1()
	return []cache.SharedIndexInformer{
		core.Pods().Informer(), core.Services().Informer(), core.PersistentVolumeClaims().Informer(),
		core.ConfigMaps().Informer(), core.Secrets().Informer(), core.ReplicationControllers().Informer(),
		apps.Deployments().Informer(), apps.ReplicaSets().Informer(), apps.StatefulSets().Informer(),
		apps.DaemonSets().Informer(), batch.Jobs().Informer(), batch.CronJobs().Informer(),
	}
}
