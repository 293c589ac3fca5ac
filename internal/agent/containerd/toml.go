package containerd

import (
	"strings"
	"text/template"
)

// disabledPlugins are never used by the agent; skipping them makes
// containerd start faster and keeps their errors out of its log (aufs, zfs
// and btrfs probe the filesystem, devmapper wants a thin pool, the restart
// monitor is for containers started outside CRI, tracing exports nowhere).
// The v1 runtime stays: containerd 1.6's tasks service, which CRI needs,
// refuses to load without it.
var disabledPlugins = []string{
	"io.containerd.snapshotter.v1.aufs",
	"io.containerd.snapshotter.v1.btrfs",
	"io.containerd.snapshotter.v1.zfs",
	"io.containerd.snapshotter.v1.devmapper",
	"io.containerd.internal.v1.restart",
	"io.containerd.internal.v1.tracing",
	"io.containerd.tracing.processor.v1.otlp",
}

// configTemplate is containerd's version 2 config. Notes on the choices:
// stream_server_port "0" takes a free port, since the agent reaches the
// streaming server only through the URLs CRI hands out; netns mounts live
// under the state dir so that Purge finds them; max_conf_num 1 because the
// agent writes exactly one conflist, and CRI adds loopback by itself.
var configTemplate = template.Must(template.New("config").Funcs(template.FuncMap{"q": quote}).Parse(`version = 2
root = {{q .Root}}
state = {{q .State}}
disabled_plugins = [{{range $i, $p := .Disabled}}{{if $i}}, {{end}}{{q $p}}{{end}}]

[grpc]
  address = {{q .Socket}}

[ttrpc]
  address = {{q .TTRPC}}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = {{q .SandboxImage}}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_unprivileged_ports = false
  enable_unprivileged_icmp = false
  restrict_oom_score_adj = {{.RestrictOOMScoreAdj}}
  netns_mounts_under_state_dir = true

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = {{.SystemdCgroup}}

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = {{q .CNIBinDir}}
  conf_dir = {{q .CNIConfDir}}
  max_conf_num = 1

[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = {{q .Certs}}
`))

// renderConfig is the config.toml for c at p; pure, so tests see exactly
// what containerd reads.
func renderConfig(c Config, p paths, host hostFacts) string {
	var b strings.Builder
	err := configTemplate.Execute(&b, map[string]any{
		"Root": p.root, "State": p.state, "Socket": p.socket, "TTRPC": p.ttrpc,
		"Disabled": disabledPlugins, "SandboxImage": c.SandboxImage,
		"SystemdCgroup": host.systemdCgroup, "RestrictOOMScoreAdj": host.restrictOOMScoreAdj, "CNIBinDir": c.CNIBinDir, "CNIConfDir": c.CNIConfDir,
		"Certs": p.certs,
	})
	if err != nil {
		// The template and its inputs are fixed strings and bools.
		panic(err)
	}
	return b.String()
}
