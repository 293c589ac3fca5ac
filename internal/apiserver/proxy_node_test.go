package apiserver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/portforward"
	clientremote "k8s.io/client-go/tools/remotecommand"
	clientspdy "k8s.io/client-go/transport/spdy"
	"k8s.io/client-go/util/exec"
	"k8s.io/utils/ptr"
)

func TestPodStreamsThroughAgent(t *testing.T) {
	c := startAgentCluster(t)
	env := c.env
	ctx := context.Background()
	pods := env.Client.CoreV1().Pods("default")
	var err error

	t.Run("log", func(t *testing.T) {
		out, err := pods.GetLogs("web", &corev1.PodLogOptions{Container: "server"}).DoRaw(ctx)
		if err != nil || string(out) != "hello\nworld\n" {
			t.Fatalf("logs = %q, %v", out, err)
		}
		out, err = pods.GetLogs("web", &corev1.PodLogOptions{Container: "server", TailLines: ptr.To[int64](1)}).DoRaw(ctx)
		if err != nil || string(out) != "world\n" {
			t.Fatalf("tail = %q, %v", out, err)
		}
	})
	t.Run("log errors", func(t *testing.T) {
		tests := []struct {
			pod  string
			opts corev1.PodLogOptions
			code int32
			msg  string
		}{
			{"web", corev1.PodLogOptions{}, 400, "a container name must be specified for pod web, choose one of: [server sidecar]"},
			{"web", corev1.PodLogOptions{Container: "x"}, 400, "container x is not valid for pod web"},
			{"web", corev1.PodLogOptions{Container: "server", TailLines: ptr.To[int64](-1)}, 422, "tailLines: Invalid value: -1: must be greater than or equal to 0"},
			{"web", corev1.PodLogOptions{Container: "sidecar"}, 400, `container "sidecar" in pod "web" is waiting to start: ContainerCreating`},
			{"web", corev1.PodLogOptions{Container: "server", Previous: true}, 400, `previous terminated container "server" in pod "web" not found`},
			{"pending", corev1.PodLogOptions{Container: "server"}, 400, "pod pending does not have a host assigned"},
			{"gone", corev1.PodLogOptions{Container: "server"}, 404, `pods "gone" not found`},
		}
		for _, tt := range tests {
			_, err := pods.GetLogs(tt.pod, &tt.opts).Stream(ctx)
			var se *apierrors.StatusError
			if !errors.As(err, &se) || se.ErrStatus.Code != tt.code || !strings.Contains(se.ErrStatus.Message, tt.msg) {
				t.Errorf("logs of %s %+v: err %v, want %d %q", tt.pod, tt.opts, err, tt.code, tt.msg)
			}
		}
	})
	for _, proto := range []string{"spdy", "websocket"} {
		t.Run("exec over "+proto, func(t *testing.T) {
			u := env.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("web").SubResource("exec").
				VersionedParams(&corev1.PodExecOptions{Container: "server", Command: []string{"sh"}, Stdout: true}, scheme.ParameterCodec).URL()
			var ex clientremote.Executor
			if proto == "spdy" {
				ex, err = clientremote.NewSPDYExecutor(env.Config, "POST", u)
			} else {
				ex, err = clientremote.NewWebSocketExecutor(env.Config, "GET", u.String())
			}
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err := ex.StreamWithContext(ctx, clientremote.StreamOptions{Stdout: &out})
			var ee exec.CodeExitError
			if !errors.As(err, &ee) || ee.Code != 3 || out.String() != "hi\n" {
				t.Fatalf("exec: out %q err %v, want hi and exit code 3", out.String(), err)
			}
		})
	}
	t.Run("port-forward over spdy", func(t *testing.T) {
		u := env.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name("web").SubResource("portforward").URL()
		rt, up, err := clientspdy.RoundTripperFor(env.Config)
		if err != nil {
			t.Fatal(err)
		}
		stop, ready := make(chan struct{}), make(chan struct{})
		fw, err := portforward.New(clientspdy.NewDialer(up, &http.Client{Transport: rt}, "POST", u), []string{":8080"}, stop, ready, io.Discard, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- fw.ForwardPorts() }()
		defer func() { close(stop); <-done }()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("port-forward: %v", err)
		}
		ports, err := fw.GetPorts()
		if err != nil {
			t.Fatal(err)
		}
		conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(ports[0].Local))))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		conn.Write([]byte("ping"))
		buf := make([]byte, 4)
		if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("echo = %q, %v", buf, err)
		}
	})
	t.Run("node proxy", func(t *testing.T) {
		out, err := env.Client.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes/n1/proxy/healthz").DoRaw(ctx)
		if err != nil || string(out) != "ok" {
			t.Fatalf("healthz through node proxy = %q, %v", out, err)
		}
		out, err = env.Client.CoreV1().RESTClient().Get().AbsPath("/api/v1/nodes/n1/proxy/pods").DoRaw(ctx)
		if err != nil || !strings.Contains(string(out), `"kind":"PodList"`) {
			t.Fatalf("pods through node proxy = %q, %v", out, err)
		}
	})
}
