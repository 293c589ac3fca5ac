package join_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/agent/join"
	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/controller/certificates/csrapproving"
	"github.com/bosun-dev/bosun/internal/controller/certificates/csrsigning"
	"github.com/bosun-dev/bosun/internal/pki"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// cluster is a server with the CSR approver and signer running, as
// `bosun server` runs them.
type cluster struct {
	env *testenv.Env
	ca  *pki.Bundle
	pin string
}

func startCluster(t *testing.T, ctx context.Context) *cluster {
	t.Helper()
	env := testenv.Start(t, "")
	ca, err := pki.LoadCA(env.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	factory := informers.NewSharedInformerFactory(env.Client, 0)
	approver := csrapproving.New(env.Client, factory, record.NewFakeRecorder(100))
	signer := csrsigning.New(env.Client, factory, record.NewFakeRecorder(100), csrsigning.Options{CA: ca})
	factory.Start(ctx.Done())
	go approver.Run(ctx, 1)
	go signer.Run(ctx, 1)
	return &cluster{env: env, ca: ca, pin: pki.PublicKeyPin(ca.CA)}
}

func (c *cluster) token(t *testing.T, ctx context.Context, expires time.Time) string {
	t.Helper()
	tok, err := auth.GenerateBootstrapToken()
	if err != nil {
		t.Fatal(err)
	}
	s := auth.NewBootstrapTokenSecret(tok, auth.BootstrapTokenOptions{Expires: expires})
	if _, err := c.env.Client.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return tok.String()
}

// joinConfig joins node name at 10.9.0.2 into a fresh data dir.
func (c *cluster) joinConfig(t *testing.T, token, name string) join.Config {
	return join.Config{
		Server: c.env.Config.Host, Token: token, CACertHash: c.pin,
		DataDir: filepath.Join(t.TempDir(), "agent"), NodeName: name, NodeIP: "10.9.0.2",
		SignTimeout: 20 * time.Second,
	}
}

// waitTokensLoaded joins, retrying while the server's bootstrap token cache
// is still filling after start (the server answers 401 until then).
func waitTokensLoaded(t *testing.T, ctx context.Context, cfg join.Config) *join.Credentials {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		creds, err := join.Join(ctx, cfg)
		if err == nil {
			return creds
		}
		if !strings.Contains(err.Error(), "401") || time.Now().After(deadline) {
			t.Fatalf("join: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func assertNothingWritten(t *testing.T, dataDir string) {
	t.Helper()
	entries, err := os.ReadDir(dataDir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		t.Errorf("a failed join wrote %d entries into %s", len(entries), dataDir)
	}
}

func TestIntegrationJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startCluster(t, ctx)
	token := c.token(t, ctx, time.Now().Add(time.Hour))

	cfg := c.joinConfig(t, token, "n1")
	var progress bytes.Buffer
	cfg.Progress = &progress
	creds := waitTokensLoaded(t, ctx, cfg)

	if !strings.Contains(progress.String(), "Waiting for the API server to sign this node's client certificate") {
		t.Errorf("progress:\n%s", progress.String())
	}
	for name, mode := range map[string]os.FileMode{
		"kubeconfig": 0o600, "pki/ca.crt": 0o644, "pki/client.crt": 0o644, "pki/client.key": 0o600,
		"pki/serving.crt": 0o644, "pki/serving.key": 0o600,
	} {
		fi, err := os.Stat(filepath.Join(cfg.DataDir, name))
		if err != nil {
			t.Errorf("join did not write %s: %v", name, err)
		} else if fi.Mode().Perm() != mode {
			t.Errorf("%s mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
	if !bytes.Equal(creds.ClientCAPEM, c.ca.CAPEM) {
		t.Error("client CA is not the cluster CA")
	}
	node := kubernetes.NewForConfigOrDie(creds.REST)
	review, err := node.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if u := review.Status.UserInfo; u.Username != "system:node:n1" || !slices.Contains(u.Groups, "system:nodes") {
		t.Errorf("the joined node authenticates as %s %v, want system:node:n1 in system:nodes", u.Username, u.Groups)
	}
	serving, err := pki.ParseCert(creds.ServingCertPEM)
	if err != nil {
		t.Fatal(err)
	}
	if err := serving.VerifyHostname("10.9.0.2"); err != nil {
		t.Errorf("serving certificate: %v", err)
	}
	if err := serving.VerifyHostname("n1"); err != nil {
		t.Errorf("serving certificate: %v", err)
	}

	// A restart needs no token: the kubeconfig and serving pair are reused.
	again := cfg
	again.Token, again.Server, again.CACertHash = "", "", ""
	creds2, err := join.Join(ctx, again)
	if err != nil {
		t.Fatalf("join again from the data dir: %v", err)
	}
	if !bytes.Equal(creds2.ServingCertPEM, creds.ServingCertPEM) || !bytes.Equal(creds2.REST.CertData, creds.REST.CertData) {
		t.Error("a second start did not reuse the node's certificates")
	}
	// A new node IP needs a new serving certificate.
	again.NodeIP = "10.9.0.3"
	creds3, err := join.Join(ctx, again)
	if err != nil {
		t.Fatalf("join with a new node IP: %v", err)
	}
	if s, _ := pki.ParseCert(creds3.ServingCertPEM); s == nil || s.VerifyHostname("10.9.0.3") != nil {
		t.Error("serving certificate not re-issued for the new node IP")
	}
}

func TestIntegrationJoinRefusals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := startCluster(t, ctx)
	token := c.token(t, ctx, time.Now().Add(time.Hour))
	// The first join proves the server's token cache is loaded, so the
	// wrong-token case below is refused for the token, not for timing.
	waitTokensLoaded(t, ctx, c.joinConfig(t, token, "first"))

	ready := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "busy"}}
	ready, err := c.env.Client.CoreV1().Nodes().Create(ctx, ready, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ready.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
	if _, err := c.env.Client.CoreV1().Nodes().UpdateStatus(ctx, ready, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expired := c.token(t, ctx, time.Now().Add(-time.Minute))

	for _, tc := range []struct {
		name   string
		mutate func(*join.Config)
		want   string
	}{
		{"wrong CA hash", func(cfg *join.Config) { cfg.CACertHash = "sha256:" + strings.Repeat("ab", 32) },
			"has public key pin " + c.pin + ", but --ca-cert-hash is sha256:" + strings.Repeat("ab", 32)},
		{"wrong token", func(cfg *join.Config) { cfg.Token = token[:7] + strings.Repeat("x", 16) }, "rejected the bootstrap token (401 Unauthorized)"},
		{"expired token", func(cfg *join.Config) { cfg.Token = expired }, "rejected the bootstrap token (401 Unauthorized)"},
		{"ready node", func(cfg *join.Config) { cfg.NodeName = "busy" },
			`a Node with name "busy" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`},
		{"no token", func(cfg *join.Config) { cfg.Token = "" }, "--server, --token and --ca-cert-hash are all needed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := c.joinConfig(t, token, "n2")
			tc.mutate(&cfg)
			_, err := join.Join(ctx, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("join error %v, want one containing %q", err, tc.want)
			}
			assertNothingWritten(t, cfg.DataDir)
		})
	}
}
