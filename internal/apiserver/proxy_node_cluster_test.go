package apiserver_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
	"k8s.io/apimachinery/pkg/util/remotecommand"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	"github.com/bosun-dev/bosun/internal/agent/streaming"
	"github.com/bosun-dev/bosun/internal/pki"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// runtimeStreams stands in for containerd's streaming server. Exec (SPDY
// v4) says "hi" on stdout and exits 3 once the client made ?streams= streams
// (default 2: error and stdout); port-forward echoes every connection.
func runtimeStreams(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(httpstream.HeaderProtocolVersion) == "portforward.k8s.io" {
			echoPortForward(w, r)
			return
		}
		if _, err := httpstream.Handshake(r, w, []string{remotecommand.StreamProtocolV4Name}); err != nil {
			return
		}
		streams := make(chan httpstream.Stream, 4)
		conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, _ <-chan struct{}) error {
			streams <- s
			return nil
		})
		if conn == nil {
			return
		}
		defer conn.Close()
		want, _ := strconv.Atoi(r.URL.Query().Get("streams"))
		got := map[string]httpstream.Stream{}
		for len(got) < max(want, 2) {
			s := <-streams
			got[s.Headers().Get(corev1.StreamType)] = s
		}
		got[corev1.StreamTypeStdout].Write([]byte("hi\n"))
		got[corev1.StreamTypeStdout].Close()
		data, _ := json.Marshal(metav1.Status{Status: metav1.StatusFailure, Reason: remotecommand.NonZeroExitCodeReason,
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: remotecommand.ExitCodeCauseType, Message: "3"}}}})
		got[corev1.StreamTypeError].Write(data)
		// Every stream ends with a FIN, as a real exec's do: one left open
		// (stderr) would be reset by conn.Close, and the client would report
		// "Stream reset" instead of the exit code if it saw that first.
		for _, s := range got {
			s.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// echoPortForward serves the SPDY port-forward protocol: each forwarded
// connection is a data stream (and an error stream) naming its port; the
// data comes straight back.
func echoPortForward(w http.ResponseWriter, r *http.Request) {
	if _, err := httpstream.Handshake(r, w, []string{"portforward.k8s.io"}); err != nil {
		return
	}
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, r, func(s httpstream.Stream, replySent <-chan struct{}) error {
		if s.Headers().Get(corev1.StreamType) == corev1.StreamTypeData {
			go func() {
				<-replySent
				io.Copy(s, s)
				s.Close()
			}()
		}
		return nil
	})
	if conn == nil {
		return
	}
	<-conn.CloseChan()
}

// startAgent serves the agent API on a fake runtime with a serving
// certificate from the server's CA, and returns its port.
func startAgent(t *testing.T, dataDir string, rt *fake.Runtime) int {
	b, err := pki.Ensure(dataDir, pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := b.IssueServingCert("n1", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(streaming.NewServer(streaming.Config{Runtime: rt, ClientCA: b.CAPool()}).Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: b.CAPool()}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	return p
}

func runContainer(t *testing.T, rt *fake.Runtime, ns, pod, name, logPath string) {
	ctx := context.Background()
	labels := map[string]string{"io.kubernetes.pod.namespace": ns, "io.kubernetes.pod.name": pod}
	sb, err := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: pod, Namespace: ns}, Labels: labels}})
	if err != nil {
		t.Fatal(err)
	}
	rt.AddImage("busybox")
	labels["io.kubernetes.container.name"] = name
	c, err := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.GetPodSandboxId(), Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: name}, Image: &runtimeapi.ImageSpec{Image: "busybox"}, Labels: labels, LogPath: logPath}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.GetContainerId()}); err != nil {
		t.Fatal(err)
	}
}

// agentCluster is an API server with node n1 served by an agent on a fake
// runtime, pod default/web (containers server and sidecar; server runs and
// has logged "hello" and "world") on it, and pod default/pending on no node.
type agentCluster struct {
	env     *testenv.Env
	rt      *fake.Runtime
	streams string
}

func startAgentCluster(t *testing.T) *agentCluster {
	env := testenv.Start(t, "")
	ctx := context.Background()
	rt := fake.New()
	streams := runtimeStreams(t).URL + "/stream/token"
	rt.StreamURL = streams
	port := startAgent(t, env.DataDir, rt)
	logPath := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(logPath, []byte("2024-01-01T00:00:01Z stdout F hello\n2024-01-01T00:00:02Z stderr F world\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runContainer(t, rt, "default", "web", "server", logPath)

	node, err := env.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "n1.invalid"}, {Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	if _, err := env.Client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := env.Client.CoreV1().Pods("default")
	spec := corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "server", Image: "busybox"}, {Name: "sidecar", Image: "busybox"}}}
	web, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: spec}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// kubectl port-forward and exec check the phase first.
	web.Status.Phase = corev1.PodRunning
	if _, err := pods.UpdateStatus(ctx, web, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	spec.NodeName = ""
	if _, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending"}, Spec: spec}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return &agentCluster{env: env, rt: rt, streams: streams}
}
