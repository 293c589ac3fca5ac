package pods

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	"google.golang.org/grpc"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// gatedRuntime holds every RunPodSandbox until release is closed and
// records how many were in flight at most.
type gatedRuntime struct {
	*recordingRuntime
	release chan struct{}
	entered chan struct{}

	mu            sync.Mutex
	inFlight, max int
}

func (g *gatedRuntime) RunPodSandbox(ctx context.Context, in *runtimeapi.RunPodSandboxRequest, opts ...grpc.CallOption) (*runtimeapi.RunPodSandboxResponse, error) {
	g.mu.Lock()
	g.inFlight++
	g.max = max(g.max, g.inFlight)
	g.mu.Unlock()
	g.entered <- struct{}{}
	<-g.release
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
	return g.recordingRuntime.RunPodSandbox(ctx, in, opts...)
}

// TestSandboxParallelism starts more pods than there are sandbox slots: no
// more sandboxes are created at once than the slots allow, and every pod
// still ends up running, as without the bound.
func TestSandboxParallelism(t *testing.T) {
	const slots, pods = 2, 5
	rt := &gatedRuntime{recordingRuntime: &recordingRuntime{Runtime: fake.New()},
		release: make(chan struct{}), entered: make(chan struct{}, pods)}
	var objs []*v1.Pod
	for i := range pods {
		p := testPod(v1.RestartPolicyAlways, "app")
		p.Name, p.UID = fmt.Sprintf("p%d", i), types.UID(fmt.Sprintf("uid-%d", i))
		objs = append(objs, p)
	}
	h := newHarness(t, rt.recordingRuntime, objs[0])
	for _, p := range objs[1:] {
		if err := h.client.Tracker().Add(p); err != nil {
			t.Fatal(err)
		}
	}
	h.m = New(Config{NodeName: "n1", NodeIPs: []string{"192.0.2.1"}, Client: h.client, Runtime: rt, Images: h.images,
		Volumes: h.volumes, Probes: h.probes, Builder: h.builder, Cgroups: fakeCgroups{}, Recorder: h.rec, Clock: h.clock,
		Log: h.m.log, SandboxParallelism: slots})
	var wg sync.WaitGroup
	errs := make([]error, pods)
	for i, p := range objs {
		h.m.Update(p)
		h.m.mu.Lock()
		w := h.m.workers[p.UID]
		h.m.mu.Unlock()
		wg.Go(func() { _, errs[i] = h.m.sync(context.Background(), w) })
	}
	for range slots {
		<-rt.entered
	}
	select {
	case <-rt.entered:
		t.Fatalf("a sandbox creation started with all %d slots taken", slots)
	case <-time.After(100 * time.Millisecond):
	}
	close(rt.release)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("sync: %v", err)
	}
	if rt.max != slots {
		t.Errorf("at most %d sandboxes were created at once, want %d", rt.max, slots)
	}
	for _, p := range objs {
		if got := h.pod(p); got.Status.Phase != v1.PodRunning {
			t.Errorf("pod %s is %s, want Running", p.Name, got.Status.Phase)
		}
	}
}

// TestSandboxSlotWaitEndsWithContext: a pod waiting for a slot gives up
// when the agent stops, and says why.
func TestSandboxSlotWaitEndsWithContext(t *testing.T) {
	m := New(Config{Runtime: fake.New(), SandboxParallelism: 1})
	m.sandboxSlots <- struct{}{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := m.runPodSandbox(ctx, &runtimeapi.PodSandboxConfig{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("runPodSandbox = %v, want context.Canceled", err)
	}
	if len(m.sandboxSlots) != 1 {
		t.Fatalf("%d slots taken after giving up, want the 1 taken before", len(m.sandboxSlots))
	}
}
