package controlplane

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"

	"github.com/bosun-dev/bosun/internal/controller/certificates/csrapproving"
	"github.com/bosun-dev/bosun/internal/controller/certificates/csrsigning"
	"github.com/bosun-dev/bosun/internal/controller/cronjob"
	"github.com/bosun-dev/bosun/internal/controller/daemonset"
	"github.com/bosun-dev/bosun/internal/controller/deployment"
	"github.com/bosun-dev/bosun/internal/controller/disruption"
	"github.com/bosun-dev/bosun/internal/controller/endpoints"
	"github.com/bosun-dev/bosun/internal/controller/endpointslice"
	"github.com/bosun-dev/bosun/internal/controller/garbagecollector"
	"github.com/bosun-dev/bosun/internal/controller/job"
	"github.com/bosun-dev/bosun/internal/controller/localpath"
	"github.com/bosun-dev/bosun/internal/controller/nodeipam"
	"github.com/bosun-dev/bosun/internal/controller/nodelifecycle"
	"github.com/bosun-dev/bosun/internal/controller/podautoscaler"
	"github.com/bosun-dev/bosun/internal/controller/podgc"
	"github.com/bosun-dev/bosun/internal/controller/replicaset"
	"github.com/bosun-dev/bosun/internal/controller/resourcequota"
	"github.com/bosun-dev/bosun/internal/controller/rootca"
	"github.com/bosun-dev/bosun/internal/controller/serviceaccount"
	"github.com/bosun-dev/bosun/internal/controller/statefulset"
	"github.com/bosun-dev/bosun/internal/controller/tainteviction"
	"github.com/bosun-dev/bosun/internal/controller/ttlafterfinished"
	"github.com/bosun-dev/bosun/internal/pki"
	"github.com/bosun-dev/bosun/internal/scheduler"
)

// runScheduler runs the scheduler until ctx ends.
func runScheduler(ctx context.Context, g *group) error {
	s := scheduler.New(g.client, g.factory, g.recorder("default-scheduler"), scheduler.Options{})
	g.factory.Start(ctx.Done())
	s.Run(ctx)
	g.factory.Shutdown()
	return nil
}

// runner is a constructed controller: Run(ctx, workers) blocks until ctx ends.
type runner interface {
	Run(ctx context.Context, workers int)
}

// workerRunner is a controller and how many workers it gets.
type workerRunner struct {
	runner
	workers int
}

// runControllers constructs every controller on one informer factory (they
// register their informers as they are built, so the factory starts last),
// then runs them until ctx ends. Worker counts follow each controller's
// load: pods churn most; node, quota and namespace-wide work is light.
func runControllers(ctx context.Context, g *group) error {
	c, f := g.client, g.factory
	md, err := metadata.NewForConfig(g.rest)
	if err != nil {
		return fmt.Errorf("metadata client: %w", err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(g.rest)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	scales, mapper, metrics, err := podautoscaler.Clients(g.rest)
	if err != nil {
		return fmt.Errorf("autoscaler clients: %w", err)
	}
	controllers := []workerRunner{
		{replicaset.New(c, f, g.recorder("replicaset-controller")), 8},
		{deployment.New(c, f, g.recorder("deployment-controller")), 8},
		{statefulset.New(c, f, g.recorder("statefulset-controller"), statefulset.Options{}), 4},
		{daemonset.New(c, f, g.recorder("daemonset-controller"), daemonset.Options{}), 2},
		{job.New(c, f, g.recorder("job-controller"), job.Options{}), 4},
		{cronjob.New(c, f, g.recorder("cronjob-controller"), cronjob.Options{}), 2},
		{ttlafterfinished.New(c, f, g.recorder("ttl-after-finished-controller"), ttlafterfinished.Options{}), 2},
		{garbagecollector.New(c, md, disco, g.recorder("garbage-collector-controller"), garbagecollector.Options{}), 20},
		{endpoints.New(c, f, g.recorder("endpoint-controller")), 4},
		{endpointslice.New(c, f, g.recorder("endpointslice-controller")), 4},
		{serviceaccount.New(c, f, g.recorder("serviceaccount-controller")), 1},
		{rootca.New(c, f, g.recorder("root-ca-cert-publisher"), rootca.Options{CACert: g.cfg.CACert}), 1},
		{resourcequota.New(c, f, g.recorder("resourcequota-controller"), resourcequota.Options{}), 2},
		{disruption.New(c, f, g.recorder("disruption-controller"), disruption.Options{}), 2},
		{podautoscaler.New(c, f, g.recorder("horizontal-pod-autoscaler"), podautoscaler.Options{Scales: scales, Mapper: mapper, Metrics: metrics}), 2},
		{nodelifecycle.New(c, f, g.recorder("node-controller"), nodelifecycle.Options{NodeMonitorGracePeriod: g.cfg.NodeMonitorGracePeriod}), 2},
		{tainteviction.New(c, f, g.recorder("taint-eviction-controller"), tainteviction.Options{}), 4},
		{podgc.New(c, f, g.recorder("pod-garbage-collector"), podgc.Options{}), 4},
		{nodeipam.New(c, f, g.recorder("node-ipam-controller"), nodeipam.Options{ClusterCIDR: g.cfg.ClusterCIDR}), 1},
		{localpath.New(c, f, g.recorder("local-path-provisioner"), localpath.Options{}), 2},
		{csrapproving.New(c, f, g.recorder("csrapproving-controller")), 1},
	}
	if g.cfg.CAKey != nil {
		ca, err := pki.NewCABundle(g.cfg.CACert, g.cfg.CAKey)
		if err != nil {
			return fmt.Errorf("csr signer: %w", err)
		}
		controllers = append(controllers, workerRunner{csrsigning.New(c, f, g.recorder("csrsigning-controller"), csrsigning.Options{CA: ca}), 1})
	}
	f.Start(ctx.Done())
	var wg sync.WaitGroup
	for _, ctl := range controllers {
		wg.Add(1)
		go func() { defer wg.Done(); ctl.Run(ctx, ctl.workers) }()
	}
	wg.Wait()
	f.Shutdown()
	return nil
}
