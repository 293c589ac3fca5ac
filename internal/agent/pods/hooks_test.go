package pods

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestHookURL(t *testing.T) {
	spec := &v1.Container{Ports: []v1.ContainerPort{{Name: "http", ContainerPort: 8080}}}
	tests := []struct {
		get     v1.HTTPGetAction
		want    string
		wantErr bool
	}{
		{get: v1.HTTPGetAction{Path: "/start", Port: intstr.FromInt32(80)}, want: "http://10.0.0.1:80/start"},
		{get: v1.HTTPGetAction{Port: intstr.FromString("http"), Scheme: v1.URISchemeHTTPS}, want: "https://10.0.0.1:8080/"},
		{get: v1.HTTPGetAction{Host: "example.com", Path: "/a?b=c", Port: intstr.FromInt32(9)}, want: "http://example.com:9/a?b=c"},
		{get: v1.HTTPGetAction{Port: intstr.FromString("nope")}, wantErr: true},
	}
	for _, tt := range tests {
		got, err := hookURL(&tt.get, spec, []string{"10.0.0.1"})
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("hookURL(%+v) = %q, %v; want %q", tt.get, got, err, tt.want)
		}
	}
}

func TestLogTail(t *testing.T) {
	log := "2026-01-01T00:00:00.000000000Z stdout F one\n" +
		"2026-01-01T00:00:00.000000000Z stderr P tw\n" +
		"2026-01-01T00:00:00.000000000Z stderr F o\n" +
		"2026-01-01T00:00:00.000000000Z stdout F three\n"
	tests := []struct {
		lines, bytes int
		want         string
	}{
		{80, 2048, "one\ntwo\nthree\n"},
		{2, 2048, "two\nthree\n"},
		{80, 4, "ree\n"},
	}
	for _, tt := range tests {
		if got := logTail([]byte(log), tt.lines, tt.bytes); got != tt.want {
			t.Errorf("logTail(%d, %d) = %q, want %q", tt.lines, tt.bytes, got, tt.want)
		}
	}
}

func TestPostStartHookFailureKills(t *testing.T) {
	rt := &recordingRuntime{Runtime: fake.New()}
	rt.ExecSyncFunc = func(string, []string) (*runtimeapi.ExecSyncResponse, error) {
		return &runtimeapi.ExecSyncResponse{ExitCode: 1, Stdout: []byte("no")}, nil
	}
	pod := testPod(v1.RestartPolicyAlways, "app")
	pod.Spec.Containers[0].Lifecycle = &v1.Lifecycle{PostStart: &v1.LifecycleHandler{Exec: &v1.ExecAction{Command: []string{"false"}}}}
	h := newHarness(t, rt, pod)
	h.sync(pod)
	ev := h.events()
	if !hasEvent(ev, "Warning FailedPostStartHook PostStartHook failed") || !hasEvent(ev, "Normal Killing FailedPostStartHook") {
		t.Errorf("events = %v", ev)
	}
	if cs := h.containers("app"); len(cs) != 1 || cs[0].State != runtimeapi.ContainerState_CONTAINER_EXITED {
		t.Fatalf("containers = %v", cs)
	}
	if w := h.pod(pod).Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "PostStartHookError" {
		t.Errorf("waiting = %+v", w)
	}
}

func TestHTTPPreStopHookOnDelete(t *testing.T) {
	hit := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit <- r.URL.Path }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	host, port, _ := strings.Cut(u.Host, ":")
	rt := &recordingRuntime{Runtime: fake.New()}
	pod := testPod(v1.RestartPolicyAlways, "app")
	pod.Spec.Containers[0].Lifecycle = &v1.Lifecycle{PreStop: &v1.LifecycleHandler{HTTPGet: &v1.HTTPGetAction{
		Host: host, Port: intstr.Parse(port), Path: "/drain"}}}
	h := newHarness(t, rt, pod)
	h.sync(pod)
	h.m.Delete(h.pod(pod))
	if !h.syncWorker(pod.UID) {
		t.Fatal("worker not finished")
	}
	select {
	case p := <-hit:
		if p != "/drain" {
			t.Errorf("hook hit %s", p)
		}
	default:
		t.Error("preStop hook not called")
	}
	if len(rt.Containers()) != 0 {
		t.Error("containers left")
	}
}
