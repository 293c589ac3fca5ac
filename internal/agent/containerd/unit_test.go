package containerd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRestartDelay(t *testing.T) {
	tests := []struct {
		prev, uptime, want time.Duration
	}{
		{0, 0, time.Second},
		{0, time.Hour, time.Second},
		{time.Second, time.Second, 2 * time.Second},
		{8 * time.Second, 5 * time.Second, 16 * time.Second},
		{16 * time.Second, 0, 30 * time.Second},
		{30 * time.Second, 0, 30 * time.Second},
		{30 * time.Second, time.Minute, time.Second},
	}
	for _, tt := range tests {
		if got := restartDelay(tt.prev, tt.uptime); got != tt.want {
			t.Errorf("restartDelay(%v, %v) = %v, want %v", tt.prev, tt.uptime, got, tt.want)
		}
	}
}

func TestRunDir(t *testing.T) {
	a, b := RunDir("/var/lib/bosun/agent"), RunDir("/var/lib/bosun/agent2")
	if a == b || !strings.HasPrefix(a, "/run/bosun/") || len(a) != len("/run/bosun/")+8 {
		t.Fatalf("RunDir gave %q and %q", a, b)
	}
	if RunDir("/var/lib/bosun/agent/") != a || RunDir("/var/lib/bosun/./agent") != a {
		t.Fatal("RunDir depends on the spelling of the path")
	}
	long := "/tmp/" + strings.Repeat("TestSomethingVeryLong", 10)
	if s := pathsFor(long).ttrpc; len(s) >= 108 {
		t.Fatalf("socket path %q is %d bytes", s, len(s))
	}
}

func TestRenderConfig(t *testing.T) {
	c := Config{DataDir: "/d", SandboxImage: "bosun.local/pause:3.10", CNIBinDir: "/usr/lib/cni", CNIConfDir: "/d/cni/net.d"}
	p := pathsFor("/d")
	for _, tt := range []struct {
		host hostFacts
		want []string
	}{
		{hostFacts{}, []string{
			"version = 2\n",
			`root = "/d/containerd"`,
			`state = "` + RunDir("/d") + `/containerd"`,
			"[grpc]\n  address = \"" + RunDir("/d") + "/containerd.sock\"",
			"[ttrpc]\n  address = \"" + RunDir("/d") + "/containerd.sock.ttrpc\"",
			`"io.containerd.snapshotter.v1.devmapper"`,
			`sandbox_image = "bosun.local/pause:3.10"`,
			`stream_server_address = "127.0.0.1"`,
			`stream_server_port = "0"`,
			`restrict_oom_score_adj = false`,
			`snapshotter = "overlayfs"`,
			`runtime_type = "io.containerd.runc.v2"`,
			"SystemdCgroup = false",
			`bin_dir = "/usr/lib/cni"`,
			`conf_dir = "/d/cni/net.d"`,
			"max_conf_num = 1",
			`config_path = "/d/containerd/certs.d"`,
		}},
		{hostFacts{systemdCgroup: true, restrictOOMScoreAdj: true}, []string{"SystemdCgroup = true", "restrict_oom_score_adj = true"}},
	} {
		got := renderConfig(c, p, tt.host)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: config lacks %q:\n%s", tt.host, w, got)
			}
		}
	}
}

func TestHostsTOML(t *testing.T) {
	want := "server = \"http://localhost:5000\"\n\n[host.\"http://localhost:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n"
	if got := hostsTOML("http://localhost:5000"); got != want {
		t.Fatalf("hosts.toml:\n%s\nwant:\n%s", got, want)
	}
}

func TestWriteFilesMirrors(t *testing.T) {
	c, err := Config{DataDir: t.TempDir(), SandboxImage: "pause", Mirrors: map[string]string{"localhost:5000": "http://172.30.0.1:5000"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	p := pathsFor(c.DataDir)
	if err := writeFiles(c, p); err != nil {
		t.Fatal(err)
	}
	for reg, want := range map[string]string{"localhost:5000": "http://172.30.0.1:5000", "127.0.0.1:5000": "http://127.0.0.1:5000"} {
		b, err := os.ReadFile(filepath.Join(p.certs, reg, "hosts.toml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "server = \""+want+"\"") {
			t.Errorf("%s: hosts.toml does not point at %s:\n%s", reg, want, b)
		}
	}
	_ = os.RemoveAll(filepath.Dir(p.socket))
}

func TestHasEffectiveCap(t *testing.T) {
	for _, tt := range []struct {
		status string
		want   bool
	}{
		{"Name:\tx\nCapEff:\t000001ffffffffff\n", true},
		{"Name:\tx\nCapEff:\t000001fffeffffff\n", false},
		{"CapEff:\tzz\n", true},
		{"", true},
	} {
		if got := hasEffectiveCap(tt.status, capSysResource); got != tt.want {
			t.Errorf("hasEffectiveCap(%q) = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestIsShimOf(t *testing.T) {
	sock := "/run/bosun/abcd1234/containerd.sock"
	for _, tt := range []struct {
		cmdline string
		want    bool
	}{
		{"/usr/bin/containerd-shim-runc-v2\x00-namespace\x00k8s.io\x00-id\x00x\x00-address\x00" + sock + "\x00", true},
		{"/usr/bin/containerd-shim-runc-v2\x00-namespace\x00k8s.io\x00-address\x00/run/bosun/other/containerd.sock\x00", false},
		{"/usr/bin/containerd\x00--config\x00-address\x00" + sock + "\x00", false},
		{"", false},
	} {
		if got := isShimOf([]byte(tt.cmdline), sock); got != tt.want {
			t.Errorf("isShimOf(%q) = %v, want %v", tt.cmdline, got, tt.want)
		}
	}
}
