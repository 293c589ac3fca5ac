package pods

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	"google.golang.org/grpc"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	testingclock "k8s.io/utils/clock/testing"
)

// fakeImages fails with err when set (tests set it between syncs).
type fakeImages struct{ err error }

func (f *fakeImages) EnsureImage(_ context.Context, _ *v1.Pod, c *v1.Container, _ []v1.Secret, _ *runtimeapi.PodSandboxConfig) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	return "sha256:" + c.Image, nil
}

// pullError carries a waiting reason as the image manager's errors do.
type pullError struct{ reason, msg string }

func (e pullError) Error() string  { return e.msg }
func (e pullError) Reason() string { return e.reason }

type fakeVolumes struct {
	mu       sync.Mutex
	torndown []types.UID
}

func (v *fakeVolumes) Setup(context.Context, *v1.Pod) (map[string]string, error) { return nil, nil }
func (v *fakeVolumes) Teardown(_ context.Context, uid types.UID) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.torndown = append(v.torndown, uid)
	return nil
}

// fakeProber reports every running container started and ready unless told.
type fakeProber struct {
	mu         sync.Mutex
	unready    map[string]bool
	notStarted map[string]bool
	liveFailed map[string]bool
}

func newFakeProber() *fakeProber {
	return &fakeProber{unready: map[string]bool{}, notStarted: map[string]bool{}, liveFailed: map[string]bool{}}
}
func (p *fakeProber) Update(*v1.Pod, *v1.PodStatus) {}
func (p *fakeProber) Remove(types.UID)              {}
func (p *fakeProber) Ready(id string) bool          { p.mu.Lock(); defer p.mu.Unlock(); return !p.unready[id] }
func (p *fakeProber) Started(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.notStarted[id]
}
func (p *fakeProber) LivenessFailed(id string) (bool, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.liveFailed[id], "probe failed"
}

// fakeBuilder fails container configs with err when set.
type fakeBuilder struct{ err error }

func (*fakeBuilder) Sandbox(pod *v1.Pod, attempt uint32) (*runtimeapi.PodSandboxConfig, error) {
	return &runtimeapi.PodSandboxConfig{Metadata: &runtimeapi.PodSandboxMetadata{Name: pod.Name, Namespace: pod.Namespace, Uid: string(pod.UID), Attempt: attempt}}, nil
}

func (f *fakeBuilder) Container(_ *v1.Pod, c *v1.Container, o ContainerOptions) (*runtimeapi.ContainerConfig, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &runtimeapi.ContainerConfig{Metadata: &runtimeapi.ContainerMetadata{Name: c.Name, Attempt: o.Attempt}, Image: &runtimeapi.ImageSpec{Image: o.ImageRef}}, nil
}

type fakeCgroups struct{}

func (fakeCgroups) EnsurePod(*v1.Pod) (string, error) { return "/kubepods/besteffort/podx", nil }
func (fakeCgroups) RemovePod(*v1.Pod) error           { return nil }

// recordingRuntime remembers StopContainer timeouts, which the fake drops.
type recordingRuntime struct {
	*fake.Runtime
	mu       sync.Mutex
	timeouts []int64
}

func (r *recordingRuntime) StopContainer(ctx context.Context, in *runtimeapi.StopContainerRequest, opts ...grpc.CallOption) (*runtimeapi.StopContainerResponse, error) {
	r.mu.Lock()
	r.timeouts = append(r.timeouts, in.GetTimeout())
	r.mu.Unlock()
	return r.Runtime.StopContainer(ctx, in, opts...)
}

type harness struct {
	t       *testing.T
	rt      *recordingRuntime
	client  *k8sfake.Clientset
	clock   *testingclock.FakeClock
	rec     *record.FakeRecorder
	probes  *fakeProber
	volumes *fakeVolumes
	images  *fakeImages
	builder *fakeBuilder
	m       *Manager
}

func newHarness(t *testing.T, rt *recordingRuntime, pod *v1.Pod) *harness {
	h := &harness{t: t, rt: rt, client: k8sfake.NewClientset(pod), clock: testingclock.NewFakeClock(time.Now()),
		rec: record.NewFakeRecorder(1000), probes: newFakeProber(), volumes: &fakeVolumes{},
		images: &fakeImages{}, builder: &fakeBuilder{}}
	h.m = h.manager()
	return h
}

func (h *harness) manager() *Manager {
	return New(Config{NodeName: "n1", NodeIPs: []string{"192.0.2.1"}, Client: h.client, Runtime: h.rt, Images: h.images,
		Volumes: h.volumes, Probes: h.probes, Builder: h.builder, Cgroups: fakeCgroups{}, Recorder: h.rec, Clock: h.clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// sync feeds the stored pod to the manager, as the informer would, and runs
// one sync of its worker in the test's goroutine.
func (h *harness) sync(pod *v1.Pod) bool {
	h.t.Helper()
	if got, err := h.client.CoreV1().Pods(pod.Namespace).Get(context.Background(), pod.Name, metav1.GetOptions{}); err == nil {
		pod = got
	}
	h.m.Update(pod)
	return h.syncWorker(pod.UID)
}

func (h *harness) syncWorker(uid types.UID) bool {
	h.t.Helper()
	h.m.mu.Lock()
	w := h.m.workers[uid]
	h.m.mu.Unlock()
	done, err := h.m.sync(context.Background(), w)
	if err != nil {
		h.t.Fatalf("sync: %v", err)
	}
	return done
}

func (h *harness) pod(p *v1.Pod) *v1.Pod {
	h.t.Helper()
	got, err := h.client.CoreV1().Pods(p.Namespace).Get(context.Background(), p.Name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatalf("get pod: %v", err)
	}
	return got
}

// containers returns the runtime's containers named name, oldest first.
func (h *harness) containers(name string) []*runtimeapi.ContainerStatus {
	var out []*runtimeapi.ContainerStatus
	for _, c := range h.rt.Containers() {
		if c.Metadata.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func (h *harness) running(name string) *runtimeapi.ContainerStatus {
	h.t.Helper()
	for _, c := range h.containers(name) {
		if c.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			return c
		}
	}
	h.t.Fatalf("container %s is not running", name)
	return nil
}

// events drains the recorded events.
func (h *harness) events() []string {
	var out []string
	for {
		select {
		case e := <-h.rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func hasEvent(events []string, want string) bool { return slices.Contains(events, want) }

func testPod(policy v1.RestartPolicy, containers ...string) *v1.Pod {
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-1", ResourceVersion: "1"},
		Spec:       v1.PodSpec{NodeName: "n1", RestartPolicy: policy},
	}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, v1.Container{Name: c, Image: "busybox"})
	}
	return p
}
