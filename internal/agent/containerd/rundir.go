package containerd

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
)

// runBase holds one directory per agent data dir. Unix socket paths are
// limited to 108 bytes, so sockets cannot live under a data dir that may
// be a long test temp dir; a short hash of it keeps them apart instead.
const runBase = "/run/bosun"

// RunDir is the directory for dataDir's unix sockets and runtime state:
// /run/bosun/<first 8 hex digits of sha256 of the absolute data dir>.
func RunDir(dataDir string) string {
	if abs, err := filepath.Abs(dataDir); err == nil {
		dataDir = abs
	}
	sum := sha256.Sum256([]byte(filepath.Clean(dataDir)))
	return filepath.Join(runBase, hex.EncodeToString(sum[:])[:8])
}

// paths are where one agent's containerd keeps everything.
type paths struct {
	root    string // persistent: images, snapshots, metadata
	state   string // volatile: task bundles, sandbox shm, netns mounts
	socket  string
	ttrpc   string
	pidFile string
	config  string
	log     string
	certs   string // registry hosts.toml per registry host
}

func pathsFor(dataDir string) paths {
	run := RunDir(dataDir)
	root := filepath.Join(dataDir, "containerd")
	return paths{
		root:    root,
		state:   filepath.Join(run, "containerd"),
		socket:  filepath.Join(run, "containerd.sock"),
		ttrpc:   filepath.Join(run, "containerd.sock.ttrpc"),
		pidFile: filepath.Join(run, "containerd.pid"),
		config:  filepath.Join(root, "config.toml"),
		log:     filepath.Join(dataDir, "containerd.log"),
		certs:   filepath.Join(root, "certs.d"),
	}
}
