package streaming

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	"github.com/bosun-dev/bosun/internal/pki"
)

// agentEnv is an agent API over TLS on a fake runtime, and a client
// configured as the API server is.
type agentEnv struct {
	rt     *fake.Runtime
	url    string
	client *rest.Config
	bundle *pki.Bundle
}

func startAgent(t *testing.T) *agentEnv {
	t.Helper()
	b, err := pki.Ensure(t.TempDir(), pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := b.IssueServingCert("agent", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	rt := fake.New()
	srv := httptest.NewUnstartedServer(NewServer(Config{Runtime: rt, ClientCA: b.CAPool()}).Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serving}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: b.CAPool()}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &agentEnv{rt: rt, url: srv.URL, bundle: b, client: &rest.Config{Host: srv.URL, TLSClientConfig: rest.TLSClientConfig{
		CAData: b.CAPEM, CertData: b.KubeletClient.CertPEM, KeyData: b.KubeletClient.KeyPEM}}}
}

// httpClient talks to the agent as the API server does.
func (e *agentEnv) httpClient(t *testing.T) *http.Client {
	t.Helper()
	c, err := rest.HTTPClientFor(e.client)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// addContainer runs a sandbox (once per pod) and a container in it.
func (e *agentEnv) addContainer(t *testing.T, ns, pod, name string, attempt uint32, logPath string, start bool) string {
	t.Helper()
	ctx := context.Background()
	labels := map[string]string{labelPodNamespace: ns, labelPodName: pod}
	sbs, err := e.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: labels}})
	if err != nil {
		t.Fatal(err)
	}
	var sandbox string
	if len(sbs.GetItems()) > 0 {
		sandbox = sbs.GetItems()[0].GetId()
	} else {
		resp, err := e.rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
			Metadata: &runtimeapi.PodSandboxMetadata{Name: pod, Namespace: ns, Uid: "uid-" + pod}, Labels: labels}})
		if err != nil {
			t.Fatal(err)
		}
		sandbox = resp.GetPodSandboxId()
	}
	e.rt.AddImage("busybox")
	cl := map[string]string{labelPodNamespace: ns, labelPodName: pod, labelContainerName: name}
	resp, err := e.rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sandbox, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: name, Attempt: attempt}, Image: &runtimeapi.ImageSpec{Image: "busybox"},
		Labels: cl, LogPath: logPath}})
	if err != nil {
		t.Fatal(err)
	}
	if start {
		if _, err := e.rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: resp.GetContainerId()}); err != nil {
			t.Fatal(err)
		}
	}
	return resp.GetContainerId()
}
