package controlplane

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/tools/record"
)

// Lease names, as Kubernetes' own components use them.
const (
	schedulerLease   = "kube-scheduler"
	controllersLease = "kube-controller-manager"
)

// Run runs the selected groups until ctx ends. Each group waits to lead its
// Lease, then starts with fresh informers; losing the Lease stops the group
// and it campaigns again.
func Run(ctx context.Context, cfg Config) error {
	cfg.setDefaults()
	rc := rest.CopyConfig(cfg.REST)
	// The control plane is the API server's heaviest client: 10,000 pods
	// scheduled at hundreds per second need far more than client-go's 5 QPS.
	rc.QPS, rc.Burst = 5000, 10000
	// Compressing a 10,000-pod list costs more CPU on both ends than the
	// bytes cost on a local network; Kubernetes' own components opt out too.
	rc.DisableCompression = true
	// Protobuf for built-in types, as Kubernetes' components: decoding every
	// pod event as JSON was the informers' largest cost.
	rc.ContentType = "application/vnd.kubernetes.protobuf"
	rc.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("control plane client: %w", err)
	}
	events := record.NewBroadcaster(record.WithContext(ctx))
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	defer events.Shutdown()

	var wg sync.WaitGroup
	campaign := func(lease string, run func(ctx context.Context, g *group) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			elect(ctx, client, cfg, lease, func(ctx context.Context) {
				g := &group{cfg: cfg, rest: rc, client: client, events: events,
					factory: informers.NewSharedInformerFactory(client, 0)}
				if err := run(ctx, g); err != nil {
					slog.Error("Control plane group failed", "lease", lease, "err", err)
				}
			})
		}()
	}
	if cfg.Scheduler {
		campaign(schedulerLease, runScheduler)
	}
	if cfg.Controllers {
		campaign(controllersLease, runControllers)
	}
	wg.Wait()
	return nil
}

// group is what the members of one elected group share.
type group struct {
	cfg     Config
	rest    *rest.Config
	client  kubernetes.Interface
	events  record.EventBroadcaster
	factory informers.SharedInformerFactory
}

// recorder records events as the named component.
func (g *group) recorder(component string) record.EventRecorder {
	return g.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: component})
}

// elect runs lead whenever this process holds the Lease, until ctx ends.
func elect(ctx context.Context, client kubernetes.Interface, cfg Config, lease string, lead func(context.Context)) {
	log := slog.Default().With("lease", "kube-system/"+lease, "identity", cfg.Identity)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: metav1.NamespaceSystem, Name: lease},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: cfg.Identity},
	}
	for ctx.Err() == nil {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   cfg.LeaseDuration,
			RenewDeadline:   cfg.RenewDeadline,
			RetryPeriod:     cfg.RetryPeriod,
			ReleaseOnCancel: true,
			Name:            lease,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(ctx context.Context) {
					log.Info("Leading")
					lead(ctx)
				},
				OnStoppedLeading: func() { log.Info("Stopped leading") },
			},
		})
		if err != nil {
			log.Error("Leader election misconfigured", "err", err)
			return
		}
		le.Run(ctx)
	}
}
