package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// closedPort is a local port nothing listens on.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, p := hostPort(t, l.Addr().String())
	l.Close()
	return p
}

func TestHTTP(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer other.Close()
	var gotUA, gotHost, gotCustom string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			gotUA, gotHost, gotCustom = r.UserAgent(), r.Host, r.Header.Get("X-Custom")
			w.Write([]byte("fine"))
		case "/fail":
			w.WriteHeader(http.StatusInternalServerError)
		case "/local-redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/remote-redirect":
			u, _ := url.Parse(other.URL)
			u.Host = "localhost:" + u.Port() // another host name for the same server
			http.Redirect(w, r, u.String()+"/x", http.StatusFound)
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		}
	}))
	defer srv.Close()
	host, port := hostPort(t, srv.Listener.Addr().String())
	ctx := context.Background()
	for _, tc := range []struct {
		path    string
		result  Result
		message string
	}{
		{"/ok", Success, "fine"},
		{"/fail", Failure, "HTTP probe failed with statuscode: 500"},
		{"/local-redirect", Success, "fine"},
		{"/remote-redirect", Warning, "Probe terminated redirects, Response body: "},
	} {
		r, out := HTTP(ctx, HTTPURL(v1.URISchemeHTTP, host, port, tc.path), []v1.HTTPHeader{{Name: "X-Custom", Value: "1"}, {Name: "Host", Value: "example.test"}}, time.Second)
		if r != tc.result || !strings.HasPrefix(out, tc.message) {
			t.Errorf("HTTP %s = %s %q, want %s %q", tc.path, r, out, tc.result, tc.message)
		}
	}
	if gotUA != UserAgent || gotHost != "example.test" || gotCustom != "1" {
		t.Errorf("request headers: User-Agent %q Host %q X-Custom %q", gotUA, gotHost, gotCustom)
	}
	if !strings.HasPrefix(UserAgent, "kube-probe/1.") {
		t.Errorf("UserAgent = %q", UserAgent)
	}
	r, out := HTTP(ctx, HTTPURL(v1.URISchemeHTTP, host, port, "/slow"), nil, 50*time.Millisecond)
	if r != Failure || !strings.Contains(out, "Client.Timeout exceeded") {
		t.Errorf("slow HTTP = %s %q", r, out)
	}
	cp := closedPort(t)
	r, out = HTTP(ctx, HTTPURL(v1.URISchemeHTTP, "127.0.0.1", cp, "/"), nil, time.Second)
	if want := "dial tcp 127.0.0.1:" + strconv.Itoa(cp) + ": connect: connection refused"; r != Failure || !strings.Contains(out, want) {
		t.Errorf("refused HTTP = %s %q, want %q", r, out, want)
	}
}

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	host, port := hostPort(t, l.Addr().String())
	if r, out := TCP(context.Background(), host, port, time.Second); r != Success {
		t.Errorf("TCP to listener = %s %q", r, out)
	}
	cp := closedPort(t)
	r, out := TCP(context.Background(), "127.0.0.1", cp, time.Second)
	if want := "dial tcp 127.0.0.1:" + strconv.Itoa(cp) + ": connect: connection refused"; r != Failure || out != want {
		t.Errorf("TCP to closed port = %s %q, want %q", r, out, want)
	}
}

func TestGRPC(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("down", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(l)
	defer srv.Stop()
	bare, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	noHealth := grpc.NewServer()
	go noHealth.Serve(bare)
	defer noHealth.Stop()

	host, port := hostPort(t, l.Addr().String())
	_, barePort := hostPort(t, bare.Addr().String())
	ctx := context.Background()
	for _, tc := range []struct {
		port    int
		service string
		result  Result
		message string
	}{
		{port, "", Success, "service healthy"},
		{port, "down", Failure, `service unhealthy (responded with "NOT_SERVING")`},
		{barePort, "", Failure, "this server does not implement the grpc health protocol (grpc.health.v1.Health): "},
		{closedPort(t), "", Failure, "timeout: failed to connect service"},
	} {
		r, out := GRPC(ctx, host, tc.port, tc.service, 2*time.Second)
		if r != tc.result || !strings.HasPrefix(out, tc.message) {
			t.Errorf("GRPC(%d, %q) = %s %q, want %s %q", tc.port, tc.service, r, out, tc.result, tc.message)
		}
	}
}

// runningContainer starts a container in the fake runtime and returns its ID.
func runningContainer(t *testing.T, rt *fake.Runtime) string {
	t.Helper()
	ctx := context.Background()
	sb, err := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: "p", Namespace: "ns", Uid: "uid-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	rt.AddImage("busybox")
	c, err := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "app"}, Image: &runtimeapi.ImageSpec{Image: "busybox"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId}); err != nil {
		t.Fatal(err)
	}
	return c.ContainerId
}

func TestExec(t *testing.T) {
	rt := fake.New()
	id := runningContainer(t, rt)
	rt.ExecSyncFunc = func(_ string, cmd []string) (*runtimeapi.ExecSyncResponse, error) {
		switch cmd[0] {
		case "fail":
			return &runtimeapi.ExecSyncResponse{ExitCode: 1, Stdout: []byte("out "), Stderr: []byte("err")}, nil
		case "slow":
			return nil, status.Error(codes.DeadlineExceeded, "timeout")
		}
		return &runtimeapi.ExecSyncResponse{Stdout: []byte("ok")}, nil
	}
	ctx := context.Background()
	for _, tc := range []struct {
		cmd     []string
		result  Result
		message string
	}{
		{[]string{"true"}, Success, "ok"},
		{[]string{"fail"}, Failure, "out err"},
		{[]string{"slow", "10"}, Failure, `command "slow 10" timed out`},
	} {
		r, out, err := Exec(ctx, rt, id, tc.cmd, time.Second)
		if err != nil || r != tc.result || out != tc.message {
			t.Errorf("Exec(%v) = %s %q %v, want %s %q", tc.cmd, r, out, err, tc.result, tc.message)
		}
	}
	if _, _, err := Exec(ctx, rt, "gone", []string{"true"}, time.Second); err == nil {
		t.Error("Exec in a missing container succeeded")
	}
}

func TestResolvePort(t *testing.T) {
	c := &v1.Container{Ports: []v1.ContainerPort{{Name: "http", ContainerPort: 8080}}}
	for _, tc := range []struct {
		port    string
		want    int
		wantErr string
	}{
		{"http", 8080, ""},
		{"9090", 9090, ""},
		{"web", 0, `strconv.Atoi: parsing "web": invalid syntax`},
		{"70000", 0, "invalid port number: 70000"},
	} {
		got, err := resolvePort(intstr.Parse(tc.port), c)
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && err.Error() != tc.wantErr) {
			t.Errorf("resolvePort(%s) = %d, %v; want %d, %q", tc.port, got, err, tc.want, tc.wantErr)
		}
	}
}
