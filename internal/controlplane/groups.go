package controlplane

import (
	"context"
	"sync"
)

// runScheduler runs the scheduler until ctx ends.
func runScheduler(ctx context.Context, g *group) {
	<-ctx.Done()
}

// runControllers constructs every controller on one informer factory, starts
// the factory (informers must be registered before it starts), then runs
// them until ctx ends.
func runControllers(ctx context.Context, g *group) {
	var runs []func(context.Context)
	g.factory.Start(ctx.Done())
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Add(1)
		go func() { defer wg.Done(); run(ctx) }()
	}
	wg.Wait()
	g.factory.Shutdown()
}
