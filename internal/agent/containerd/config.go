package containerd

import (
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config says how to run the agent's containerd; zero values take the
// defaults named.
type Config struct {
	// DataDir is the agent's data dir; containerd's root is DataDir/containerd
	// and its log DataDir/containerd.log. Required.
	DataDir string
	// SandboxImage is the pause image every pod sandbox runs. The project
	// builds and imports it, so containerd never pulls it. Required.
	SandboxImage string
	// CNIBinDir holds the CNI plugins. Default /usr/lib/cni, or /opt/cni/bin
	// when only that one has plugins.
	CNIBinDir string
	// CNIConfDir is where the agent writes its CNI config. Default
	// DataDir/cni/net.d.
	CNIConfDir string
	// InsecureRegistries are host:port registries pulled over plain http.
	// Default localhost:5000 and 127.0.0.1:5000; an empty non-nil slice
	// means none.
	InsecureRegistries []string
	// Mirrors sends a registry host's pulls to another endpoint URL: a
	// node in its own network namespace reaches the host's localhost:5000
	// registry at the cluster bridge's address.
	Mirrors map[string]string
	// Binary is the containerd executable. Default "containerd" from PATH.
	Binary string
	// Log receives the supervisor's messages. Default slog.Default().
	Log *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.DataDir == "" {
		return c, fmt.Errorf("containerd config: no data dir")
	}
	if c.SandboxImage == "" {
		return c, fmt.Errorf("containerd config: no sandbox image")
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("containerd config: data dir %s: %w", c.DataDir, err)
	}
	c.DataDir = abs
	if c.CNIBinDir == "" {
		c.CNIBinDir = defaultCNIBinDir()
	}
	if c.CNIConfDir == "" {
		c.CNIConfDir = filepath.Join(c.DataDir, "cni", "net.d")
	}
	if c.InsecureRegistries == nil {
		c.InsecureRegistries = []string{"localhost:5000", "127.0.0.1:5000"}
	}
	if c.Binary == "" {
		c.Binary = "containerd"
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c, nil
}

// defaultCNIBinDir prefers Debian's plugin dir and falls back to the
// upstream tarball's location when only that one is populated.
func defaultCNIBinDir() string {
	const debian, upstream = "/usr/lib/cni", "/opt/cni/bin"
	if hasFile(debian, "bridge") || !hasFile(upstream, "bridge") {
		return debian
	}
	return upstream
}

func hasFile(dir, name string) bool {
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// hostRunsSystemd reports whether systemd is PID 1.
func hostRunsSystemd() bool {
	_, err := os.Stat("/run/systemd/system")
	return err == nil
}

// capSysResource is the capability bit that lowering oom_score_adj needs.
const capSysResource = 24

// hostFacts are what the config depends on besides Config.
type hostFacts struct {
	// systemdCgroup: systemd is PID 1, so runc hands cgroups to it;
	// otherwise runc writes cgroupfs directly.
	systemdCgroup bool
	// restrictOOMScoreAdj: without CAP_SYS_RESOURCE no container may get
	// a lower oom_score_adj than containerd's (sandboxes ask for -998 and
	// would fail to start), so containerd must clamp instead.
	restrictOOMScoreAdj bool
}

func probeHost() hostFacts {
	status, _ := os.ReadFile("/proc/self/status")
	return hostFacts{systemdCgroup: hostRunsSystemd(), restrictOOMScoreAdj: !hasEffectiveCap(string(status), capSysResource)}
}

// hasEffectiveCap reports whether the CapEff mask in a /proc/<pid>/status
// text has bit set; an unreadable mask counts as having it, the usual case
// for root.
func hasEffectiveCap(status string, bit int) bool {
	for _, line := range strings.Split(status, "\n") {
		hex, ok := strings.CutPrefix(line, "CapEff:")
		if !ok {
			continue
		}
		mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
		if err != nil {
			return true
		}
		return mask&(1<<bit) != 0
	}
	return true
}

// writeFiles writes config.toml and one hosts.toml per insecure registry,
// creating the dirs containerd and the CRI plugin expect to exist.
func writeFiles(c Config, p paths) error {
	// Registries dropped from the list must lose their plain-http access.
	if err := os.RemoveAll(p.certs); err != nil {
		return fmt.Errorf("reset registry hosts: %w", err)
	}
	for _, dir := range []string{p.root, p.state, p.certs, c.CNIConfDir, filepath.Dir(p.socket)} {
		if err := os.MkdirAll(dir, 0o711); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	endpoints := map[string]string{}
	for _, reg := range c.InsecureRegistries {
		endpoints[reg] = "http://" + reg
	}
	maps.Copy(endpoints, c.Mirrors)
	for reg, endpoint := range endpoints {
		dir := filepath.Join(p.certs, reg)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create registry dir %s: %w", dir, err)
		}
		if err := writeAtomic(filepath.Join(dir, "hosts.toml"), hostsTOML(endpoint)); err != nil {
			return err
		}
	}
	return writeAtomic(p.config, renderConfig(c, p, probeHost()))
}

func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("install %s: %w", path, err)
	}
	return nil
}

// hostsTOML makes containerd resolve and pull a registry's images from
// endpoint, without verifying its certificate if it has one.
func hostsTOML(endpoint string) string {
	url := quote(endpoint)
	return fmt.Sprintf("server = %s\n\n[host.%s]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n", url, url)
}

// quote makes a TOML basic string; paths and image names need no more
// than backslash and quote escaped.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
