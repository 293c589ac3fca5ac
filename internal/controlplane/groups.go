package controlplane

import (
	"context"
	"sync"

	"github.com/bosun-dev/bosun/internal/controller/nodelifecycle"
	"github.com/bosun-dev/bosun/internal/controller/podgc"
	"github.com/bosun-dev/bosun/internal/controller/tainteviction"
)

// runScheduler runs the scheduler until ctx ends.
func runScheduler(ctx context.Context, g *group) {
	<-ctx.Done()
}

// runner is a constructed controller: Run(ctx, workers) blocks until ctx ends.
type runner interface {
	Run(ctx context.Context, workers int)
}

// runControllers constructs every controller on one informer factory (they
// register their informers as they are built, so the factory starts last),
// then runs them until ctx ends. Worker counts follow what each controller's
// load is: pods churn most, node and quota work is light.
func runControllers(ctx context.Context, g *group) {
	c, f := g.client, g.factory
	controllers := []struct {
		runner
		workers int
	}{
		{nodelifecycle.New(c, f, g.recorder("node-controller"), nodelifecycle.Options{NodeMonitorGracePeriod: g.cfg.NodeMonitorGracePeriod}), 2},
		{tainteviction.New(c, f, g.recorder("taint-eviction-controller"), tainteviction.Options{}), 4},
		{podgc.New(c, f, g.recorder("pod-garbage-collector"), podgc.Options{}), 4},
	}
	f.Start(ctx.Done())
	var wg sync.WaitGroup
	for _, ctl := range controllers {
		wg.Add(1)
		go func() { defer wg.Done(); ctl.Run(ctx, ctl.workers) }()
	}
	wg.Wait()
	f.Shutdown()
}
