package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bosun-dev/bosun/internal/auth"
	"github.com/bosun-dev/bosun/internal/pki"
	"github.com/bosun-dev/bosun/internal/testenv"
)

func TestWriteTokenTable(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	infos := []auth.BootstrapTokenInfo{
		{Token: auth.BootstrapToken{ID: "zzzzzz", Secret: "0123456789abcdef"}},
		{Token: auth.BootstrapToken{ID: "abcdef", Secret: "0123456789abcdef"}, Expires: now.Add(23 * time.Hour),
			Usages: []string{"authentication", "signing"}, Description: "join", ExtraGroups: []string{auth.DefaultNodeTokenGroup}},
		{Token: auth.BootstrapToken{ID: "old000", Secret: "0123456789abcdef"}, Expires: now.Add(-time.Minute)},
	}
	var b bytes.Buffer
	if err := writeTokenTable(&b, infos, now); err != nil {
		t.Fatal(err)
	}
	want := `TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS
abcdef.0123456789abcdef   23h         2026-03-02T11:00:00Z   authentication,signing   join          system:bootstrappers:bosun:default-node-token
old000.0123456789abcdef   <invalid>   2026-03-01T11:59:00Z                            <none>        
zzzzzz.0123456789abcdef   <forever>   <never>                                         <none>        
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func runToken(t *testing.T, args ...string) string {
	t.Helper()
	cmd := newTokenCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("bosun token %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func TestIntegrationTokenCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	kc := "--kubeconfig=" + env.Kubeconfig

	token := strings.TrimSpace(runToken(t, "create", kc, "--ttl=1h", "--description=first node"))
	tok, err := auth.ParseBootstrapToken(token)
	if err != nil {
		t.Fatalf("create printed %q: %v", token, err)
	}
	list := runToken(t, "list", kc)
	if !regexp.MustCompile(regexp.QuoteMeta(token) + `\s+(59m|60m|1h)\s+\S+\s+authentication,signing\s+first node\s+` + auth.DefaultNodeTokenGroup).MatchString(list) {
		t.Errorf("list does not show the token:\n%s", list)
	}

	join := strings.TrimSpace(runToken(t, "create", kc, "--print-join-command"))
	ca, err := pki.LoadCA(env.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^bosun agent --server (https://\S+) --token ([a-z0-9]{6}\.[a-z0-9]{16}) --ca-cert-hash (sha256:[0-9a-f]{64})$`)
	m := re.FindStringSubmatch(join)
	if m == nil {
		t.Fatalf("join command %q does not match %s", join, re)
	}
	if m[3] != pki.PublicKeyPin(ca.CA) {
		t.Errorf("join command pins %s, want the CA's %s", m[3], pki.PublicKeyPin(ca.CA))
	}
	// The admin kubeconfig names loopback, which other nodes cannot reach:
	// the join command takes the advertised address from cluster-info.
	cm, err := env.Client.CoreV1().ConfigMaps(pki.ClusterInfoNamespace).Get(context.Background(), pki.ClusterInfoName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	server, caPEM, err := pki.ParseClusterInfo([]byte(cm.Data[pki.ClusterInfoKey]))
	if err != nil {
		t.Fatal(err)
	}
	if m[1] != server || !bytes.Equal(caPEM, ca.CAPEM) {
		t.Errorf("join command names server %s, cluster-info %s (same CA: %v)", m[1], server, bytes.Equal(caPEM, ca.CAPEM))
	}

	if out := runToken(t, "delete", kc, tok.ID, m[2]); strings.Count(out, "deleted") != 2 {
		t.Errorf("delete printed %q", out)
	}
	if list := runToken(t, "list", kc); strings.Contains(list, tok.ID) {
		t.Errorf("deleted token still listed:\n%s", list)
	}
}
