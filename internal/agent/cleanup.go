package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/bosun-dev/bosun/internal/agent/cgroups"
	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/agent/cri"
	"github.com/bosun-dev/bosun/internal/agent/images"
	"github.com/bosun-dev/bosun/internal/agent/volumes"
	"github.com/bosun-dev/bosun/internal/network/cni"
	"github.com/bosun-dev/bosun/internal/network/proxy"
	"github.com/bosun-dev/bosun/internal/network/routes"
)

// CleanupOptions: KeepImages keeps containerd's image store for the
// agent's next start; SharedNetwork is the agent's Config.SharedNetwork.
type CleanupOptions struct {
	KeepImages, SharedNetwork bool
}

// Cleanup removes everything an agent with this data dir left on the host:
// its pods (through a containerd it starts for the purpose, so CNI releases
// their network), that containerd, every mount under the data dir, the pod
// cgroups, the pod bridge, and (unless opts.SharedNetwork) the Service rules
// and routes to other nodes. The API objects are not touched.
func Cleanup(ctx context.Context, dataDir, cgroupRoot, bridge string, opts CleanupOptions) error {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return fmt.Errorf("cleanup: data dir: %w", err)
	}
	if cgroupRoot == "" {
		cgroupRoot = "/kubepods"
	}
	if bridge == "" {
		bridge = cni.DefaultBridge
	}
	log := slog.Default().With("component", "agent-cleanup", "dataDir", abs)
	var errs []error
	log.Info("Removing pods through containerd")
	proc, err := containerd.Start(ctx, containerd.Config{DataDir: abs, SandboxImage: images.PauseImage, CNIConfDir: filepath.Join(abs, "cni", "net.d"), Log: log})
	if err != nil {
		errs = append(errs, fmt.Errorf("start containerd to remove pods: %w", err))
		errs = append(errs, containerd.Purge(ctx, nil, abs))
	} else {
		rt, err := cri.Dial(ctx, proc.Endpoint(), 30*time.Second)
		if err != nil {
			errs = append(errs, err)
			errs = append(errs, containerd.Purge(ctx, nil, abs))
		} else {
			purge := containerd.Purge
			if opts.KeepImages {
				purge = containerd.StopAll
			}
			errs = append(errs, purge(ctx, rt.Runtime, abs))
			rt.Close()
		}
		errs = append(errs, proc.Stop())
	}
	log.Info("Removing pod volumes")
	vm := volumes.NewManager(volumes.Config{PodsDir: filepath.Join(abs, "pods"), Log: log})
	entries, _ := os.ReadDir(filepath.Join(abs, "pods"))
	for _, e := range entries {
		errs = append(errs, vm.Teardown(ctx, types.UID(e.Name())))
	}
	log.Info("Removing pod cgroups", "root", cgroupRoot)
	if cg, err := cgroups.New(cgroupRoot, nil); err != nil {
		errs = append(errs, err)
	} else {
		errs = append(errs, cg.Purge())
	}
	errs = append(errs, cni.RemoveMasquerade(bridge))
	if !opts.SharedNetwork {
		log.Info("Removing Service rules and routes to other nodes")
		errs = append(errs, proxy.Cleanup(ctx), routes.Cleanup(nil))
	}
	if _, err := net.InterfaceByName(bridge); err == nil {
		log.Info("Removing the pod bridge", "bridge", bridge)
		if out, err := exec.CommandContext(ctx, "ip", "link", "delete", bridge).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("delete bridge %s: %v: %s", bridge, err, out))
		}
	}
	return errors.Join(errs...)
}
