package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/scheduler/cache"
	"github.com/bosun-dev/bosun/internal/scheduler/framework"
	"github.com/bosun-dev/bosun/internal/scheduler/queue"
)

// DefaultSchedulerName is the spec.schedulerName pods get by default.
const DefaultSchedulerName = corev1.DefaultSchedulerName

// Options configures the scheduler; zero values take the defaults.
type Options struct {
	// SchedulerName: only pods naming it are scheduled ("default-scheduler").
	SchedulerName string
	// Clock drives backoff, parking and event deduplication (real clock).
	Clock clock.WithTicker
	// InitialBackoff and MaxBackoff bound the per-pod retry backoff
	// (1 s doubling up to 10 s).
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// MaxUnschedulable is how long a pod stays parked without a cluster
	// change before it is retried anyway (60 s).
	MaxUnschedulable time.Duration
	// Parallelism is the number of goroutines filtering nodes (2).
	Parallelism int
	// PercentageOfNodesToScore: 0 is adaptive (50% − nodes/125, at least
	// 5% and 100 nodes); 100 scores every feasible node.
	PercentageOfNodesToScore int
	// FailureEventInterval: an identical FailedScheduling event for a pod is
	// not repeated more often than this (60 s).
	FailureEventInterval time.Duration
}

// Scheduler is the pod scheduler.
type Scheduler struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	opts     Options

	queue    *queue.Queue
	cache    *cache.Cache
	algo     *framework.Algorithm
	snapshot *framework.Snapshot

	pods         corelisters.PodLister
	services     corelisters.ServiceLister
	controllers  corelisters.ReplicationControllerLister
	replicaSets  appslisters.ReplicaSetLister
	statefulSets appslisters.StatefulSetLister
	budgets      policylisters.PodDisruptionBudgetLister
	synced       []toolscache.InformerSynced

	// binds tracks bindings in flight so Run returns only after them.
	binds sync.WaitGroup

	mu       sync.Mutex
	failures map[types.UID]lastFailure
}

// lastFailure is the last FailedScheduling event sent for a pod.
type lastFailure struct {
	message string
	at      time.Time
}

// New wires the scheduler to the factory's informers. The caller starts
// the factory after New; recorder should report as "default-scheduler".
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder, opts Options) *Scheduler {
	if opts.SchedulerName == "" {
		opts.SchedulerName = DefaultSchedulerName
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.FailureEventInterval <= 0 {
		opts.FailureEventInterval = time.Minute
	}
	s := &Scheduler{
		client: client, recorder: recorder, opts: opts,
		queue: queue.New(queue.Options{Clock: opts.Clock, InitialBackoff: opts.InitialBackoff,
			MaxBackoff: opts.MaxBackoff, MaxUnschedulable: opts.MaxUnschedulable}),
		cache:    cache.New(),
		algo:     framework.New(framework.Config{Parallelism: opts.Parallelism, PercentageOfNodesToScore: opts.PercentageOfNodesToScore, Seed: time.Now().UnixNano()}),
		snapshot: framework.NewSnapshot(nil, nil),
		failures: map[types.UID]lastFailure{},
	}
	core, apps := factory.Core().V1(), factory.Apps().V1()
	pods, nodes, namespaces := core.Pods(), core.Nodes(), core.Namespaces()
	s.pods = pods.Lister()
	s.services = core.Services().Lister()
	s.controllers = core.ReplicationControllers().Lister()
	s.replicaSets = apps.ReplicaSets().Lister()
	s.statefulSets = apps.StatefulSets().Lister()
	s.budgets = factory.Policy().V1().PodDisruptionBudgets().Lister()
	s.synced = []toolscache.InformerSynced{
		pods.Informer().HasSynced, nodes.Informer().HasSynced, namespaces.Informer().HasSynced,
		core.Services().Informer().HasSynced, core.ReplicationControllers().Informer().HasSynced,
		apps.ReplicaSets().Informer().HasSynced, apps.StatefulSets().Informer().HasSynced,
		factory.Policy().V1().PodDisruptionBudgets().Informer().HasSynced,
	}
	s.addHandlers(pods.Informer(), nodes.Informer(), namespaces.Informer())
	return s
}

// Run schedules pods until ctx ends: it waits for the informer caches,
// then pops one pod at a time (bindings proceed in the background).
func (s *Scheduler) Run(ctx context.Context) {
	go s.queue.Run(ctx)
	defer s.binds.Wait()
	if !toolscache.WaitForCacheSync(ctx.Done(), s.synced...) {
		return
	}
	slog.Info("Scheduler started", "scheduler", s.opts.SchedulerName, "nodes", s.cache.NodeCount())
	for {
		qp, ok := s.queue.Pop()
		if !ok {
			return
		}
		s.scheduleOneSafely(ctx, qp)
	}
}

// scheduleOneSafely keeps the loop alive through a panic in one attempt.
func (s *Scheduler) scheduleOneSafely(ctx context.Context, qp *queue.QueuedPod) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("Scheduling attempt panicked", "pod", podKey(qp.Pod), "panic", r)
			s.queue.Retry(qp)
		}
	}()
	s.scheduleOne(ctx, qp)
}

func podKey(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }
