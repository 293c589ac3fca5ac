package images

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
)

// pullTimed is the fake runtime whose pulls take 1.234s of the test clock
// and are recorded, so tests see durations and credentials.
type pullTimed struct {
	*fake.Runtime
	clock *testingclock.FakeClock
	pulls []*runtimeapi.PullImageRequest
}

func (p *pullTimed) PullImage(ctx context.Context, in *runtimeapi.PullImageRequest, opts ...grpc.CallOption) (*runtimeapi.PullImageResponse, error) {
	p.pulls = append(p.pulls, in)
	p.clock.Step(1234 * time.Millisecond)
	return p.Runtime.PullImage(ctx, in, opts...)
}

func newTestManager() (*Manager, *pullTimed, *record.FakeRecorder) {
	clk := testingclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rt := &pullTimed{Runtime: fake.New(), clock: clk}
	rec := record.NewFakeRecorder(100)
	return NewManager(rt, rec, clk), rt, rec
}

func testPod(image string, policy v1.PullPolicy) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-1"},
		Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "app", Image: image, ImagePullPolicy: policy}}},
	}
}

func events(rec *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestEnsureImage(t *testing.T) {
	for _, tc := range []struct {
		name              string
		image             string
		policy            v1.PullPolicy
		present, pullable bool
		wantRef           string
		wantReason        string
		wantEvents        []string
	}{{
		name: "present, IfNotPresent", image: "busybox:1.35", policy: v1.PullIfNotPresent, present: true,
		wantRef:    "sha256:busybox:1.35",
		wantEvents: []string{`Normal Pulled Container image "busybox:1.35" already present on machine`},
	}, {
		name: "absent, IfNotPresent", image: "busybox:1.35", policy: v1.PullIfNotPresent, pullable: true,
		wantRef: "sha256:busybox:1.35",
		wantEvents: []string{`Normal Pulling Pulling image "busybox:1.35"`,
			`Normal Pulled Successfully pulled image "busybox:1.35" in 1.234s (1.234s including waiting). Image size: 1048576 bytes.`},
	}, {
		name: "present, Always pulls", image: "busybox:1.35", policy: v1.PullAlways, present: true,
		wantRef: "sha256:busybox:1.35",
		wantEvents: []string{`Normal Pulling Pulling image "busybox:1.35"`,
			`Normal Pulled Successfully pulled image "busybox:1.35" in 1.234s (1.234s including waiting). Image size: 1048576 bytes.`},
	}, {
		name: "no tag gets latest", image: "busybox", policy: v1.PullAlways, pullable: true,
		wantRef: "sha256:busybox:latest",
		wantEvents: []string{`Normal Pulling Pulling image "busybox:latest"`,
			`Normal Pulled Successfully pulled image "busybox:latest" in 1.234s (1.234s including waiting). Image size: 1048576 bytes.`},
	}, {
		name: "absent, Never", image: "busybox:1.35", policy: v1.PullNever,
		wantReason: ReasonErrImageNeverPull,
		wantEvents: []string{`Warning ErrImageNeverPull Container image "busybox:1.35" is not present with pull policy of Never`},
	}, {
		name: "present, Never", image: "busybox:1.35", policy: v1.PullNever, present: true,
		wantRef:    "sha256:busybox:1.35",
		wantEvents: []string{`Normal Pulled Container image "busybox:1.35" already present on machine`},
	}, {
		name: "invalid name", image: "Bad Image", policy: v1.PullIfNotPresent,
		wantReason: ReasonInvalidImageName,
	}, {
		name: "pull fails", image: "nothere:1", policy: v1.PullIfNotPresent,
		wantReason: ReasonErrImagePull,
		wantEvents: []string{`Normal Pulling Pulling image "nothere:1"`,
			`Warning Failed Failed to pull image "nothere:1": rpc error: code = NotFound desc = failed to pull and unpack image "nothere:1": failed to resolve reference "nothere:1": "nothere:1": not found`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			m, rt, rec := newTestManager()
			pod := testPod(tc.image, tc.policy)
			if tc.present {
				rt.AddImage(tc.image)
			}
			if tc.pullable {
				rt.SetPullable(tc.image)
				rt.SetPullable(tc.image + ":latest")
			}
			ref, err := m.EnsureImage(context.Background(), pod, &pod.Spec.Containers[0], nil, nil)
			var perr *PullError
			if tc.wantReason != "" {
				if !errors.As(err, &perr) || perr.Reason() != tc.wantReason {
					t.Fatalf("err = %v, want reason %s", err, tc.wantReason)
				}
			} else if err != nil || ref != tc.wantRef {
				t.Fatalf("EnsureImage = %q, %v; want %q", ref, err, tc.wantRef)
			}
			got := events(rec)
			if tc.wantEvents != nil && strings.Join(got, "\n") != strings.Join(tc.wantEvents, "\n") {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.wantEvents, "\n"))
			}
		})
	}
}

func TestInvalidImageNameMessage(t *testing.T) {
	m, _, rec := newTestManager()
	pod := testPod("Bad Image", v1.PullIfNotPresent)
	_, err := m.EnsureImage(context.Background(), pod, &pod.Spec.Containers[0], nil, nil)
	var perr *PullError
	if !errors.As(err, &perr) || !strings.HasPrefix(perr.Error(), `Failed to apply default image tag "Bad Image": `) {
		t.Errorf("err = %v", err)
	}
	if e := events(rec); len(e) != 1 || !strings.HasPrefix(e[0], `Warning InspectFailed Failed to apply default image tag "Bad Image"`) {
		t.Errorf("events = %q", e)
	}
}

// TestPullBackOff replays kubelet's per-(pod, image) back-off: 10s after
// the first failure, doubling to 5 minutes, and the back-off message
// carries the last failure.
func TestPullBackOff(t *testing.T) {
	m, rt, rec := newTestManager()
	clk := rt.clock
	pod := testPod("nothere:1", v1.PullIfNotPresent)
	ensure := func() string {
		t.Helper()
		_, err := m.EnsureImage(context.Background(), pod, &pod.Spec.Containers[0], nil, nil)
		var perr *PullError
		if !errors.As(err, &perr) {
			t.Fatalf("err = %v", err)
		}
		return perr.Reason()
	}
	if r := ensure(); r != ReasonErrImagePull {
		t.Fatalf("first try: %s", r)
	}
	for _, wait := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 300 * time.Second, 300 * time.Second} {
		clk.Step(wait - time.Millisecond)
		events(rec)
		if r := ensure(); r != ReasonImagePullBackOff {
			t.Fatalf("%v after failure: %s, want back-off", wait-time.Millisecond, r)
		}
		if e := events(rec); len(e) != 1 || e[0] != `Normal BackOff Back-off pulling image "nothere:1"` {
			t.Errorf("back-off events = %q", e)
		}
		clk.Step(time.Millisecond)
		if r := ensure(); r != ReasonErrImagePull {
			t.Fatalf("%v after failure: %s, want a new pull", wait, r)
		}
	}
	_, err := m.EnsureImage(context.Background(), pod, &pod.Spec.Containers[0], nil, nil)
	want := `Back-off pulling image "nothere:1": ErrImagePull: rpc error: code = NotFound`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want prefix %q", err, want)
	}
	// Another pod pulling the same image has its own back-off.
	other := testPod("nothere:1", v1.PullIfNotPresent)
	other.UID = "uid-2"
	if _, err := m.EnsureImage(context.Background(), other, &other.Spec.Containers[0], nil, nil); !isReason(err, ReasonErrImagePull) {
		t.Errorf("other pod: %v", err)
	}
	// Once the registry has the image, the next attempt after the back-off succeeds.
	rt.SetPullable("nothere:1")
	clk.Step(300 * time.Second)
	if _, err := m.EnsureImage(context.Background(), pod, &pod.Spec.Containers[0], nil, nil); err != nil {
		t.Errorf("after back-off: %v", err)
	}
}

func TestEnsureImagePassesCredentials(t *testing.T) {
	m, rt, _ := newTestManager()
	rt.SetPullable("registry.example.com:5000/team/app:1")
	pod := testPod("registry.example.com:5000/team/app:1", v1.PullIfNotPresent)
	secrets := []v1.Secret{
		dockerConfigJSON("generic", `{"auths":{"registry.example.com:5000":{"username":"u1","password":"p1"}}}`),
		dockerConfigJSON("team", `{"auths":{"registry.example.com:5000/team":{"auth":"`+b64("u2:p2")+`"}}}`),
		{Type: v1.SecretTypeOpaque, Data: map[string][]byte{"x": []byte("y")}},
	}
	if _, err := m.EnsureImage(context.Background(), pod, &pod.Spec.Containers[0], secrets, nil); err != nil {
		t.Fatal(err)
	}
	// The team credential is more specific, so it is tried first and works.
	if len(rt.pulls) != 1 || rt.pulls[0].Auth.GetUsername() != "u2" || rt.pulls[0].Auth.GetPassword() != "p2" {
		t.Errorf("pulls = %v", rt.pulls)
	}
}

func TestFieldPath(t *testing.T) {
	pod := &v1.Pod{Spec: v1.PodSpec{
		InitContainers:      []v1.Container{{Name: "init"}},
		Containers:          []v1.Container{{Name: "app"}},
		EphemeralContainers: []v1.EphemeralContainer{{EphemeralContainerCommon: v1.EphemeralContainerCommon{Name: "debug"}}},
	}}
	for name, want := range map[string]string{
		"init": "spec.initContainers{init}", "app": "spec.containers{app}", "debug": "spec.ephemeralContainers{debug}",
	} {
		if got := fieldPath(pod, name); got != want {
			t.Errorf("fieldPath(%s) = %s, want %s", name, got, want)
		}
	}
}

func TestWithDefaultTagAndPolicy(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		image, want string
		policy      v1.PullPolicy
		invalid     bool
	}{
		{image: "busybox", want: "busybox:latest", policy: v1.PullAlways},
		{image: "busybox:latest", want: "busybox:latest", policy: v1.PullAlways},
		{image: "busybox:1.35", want: "busybox:1.35", policy: v1.PullIfNotPresent},
		{image: "localhost:5000/bosun/busybox", want: "localhost:5000/bosun/busybox:latest", policy: v1.PullAlways},
		{image: "busybox@" + digest, want: "busybox@" + digest, policy: v1.PullIfNotPresent},
		{image: "Upper/case:1", invalid: true},
		{image: "two words", invalid: true},
		{image: "busybox@sha256:short", invalid: true},
	} {
		got, err := withDefaultTag(tc.image)
		if tc.invalid {
			if err == nil {
				t.Errorf("withDefaultTag(%q) = %q, want an error", tc.image, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("withDefaultTag(%q) = %q, %v; want %q", tc.image, got, err, tc.want)
		}
		if p := pullPolicy(&v1.Container{Image: tc.image}); p != tc.policy {
			t.Errorf("default policy for %q = %s, want %s", tc.image, p, tc.policy)
		}
	}
	if p := pullPolicy(&v1.Container{Image: "busybox", ImagePullPolicy: v1.PullNever}); p != v1.PullNever {
		t.Errorf("explicit policy overridden: %s", p)
	}
}

func TestClassifyPullError(t *testing.T) {
	e := classifyPullError("x:1", fmt.Errorf("RegistryUnavailable: dial tcp: refused"))
	if e.Reason() != ReasonRegistryUnavailable || e.Error() != "image pull failed for x:1 because the registry is unavailable: dial tcp: refused" {
		t.Errorf("got %+v", e)
	}
	if e := classifyPullError("x:1", fmt.Errorf("boom")); e.Reason() != ReasonErrImagePull || e.Error() != "boom" {
		t.Errorf("got %+v", e)
	}
}

func isReason(err error, reason string) bool {
	var perr *PullError
	return errors.As(err, &perr) && perr.Reason() == reason
}
