package images

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// criNamespace is the containerd namespace CRI keeps its images in; an
// image imported elsewhere would be invisible to pods.
const criNamespace = "k8s.io"

// Importer loads an image tarball into the container runtime and returns
// the references it imported.
type Importer interface {
	Import(ctx context.Context, r io.Reader) ([]string, error)
}

// CtrImporter imports through containerd's own client, ctr, because CRI
// has no import call and the agent does not link containerd's Go client.
// Images are unpacked into the overlayfs snapshotter CRI uses, so the
// first container from an imported image starts without unpacking.
type CtrImporter struct {
	// Address is containerd's socket ("unix://" prefix optional).
	Address string
	// Ctr is the ctr executable. Default "ctr" from PATH.
	Ctr string
}

// Import is CtrImporter{Address: containerdAddress}.Import: it reads a
// `docker save` (docker-archive) or OCI layout tarball.
func Import(ctx context.Context, containerdAddress string, r io.Reader) ([]string, error) {
	return CtrImporter{Address: containerdAddress}.Import(ctx, r)
}

// Import streams r to `ctr images import` and returns the imported refs.
func (c CtrImporter) Import(ctx context.Context, r io.Reader) ([]string, error) {
	ctr := c.Ctr
	if ctr == "" {
		ctr = "ctr"
	}
	cmd := exec.CommandContext(ctx, ctr, "--address", strings.TrimPrefix(c.Address, "unix://"), "--namespace", criNamespace,
		"images", "import", "--snapshotter", "overlayfs", "-")
	cmd.Stdin = r
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("import images into containerd %s: %w: %s", c.Address, err, strings.TrimSpace(stderr.String()))
	}
	refs := importedRefs(stdout.String())
	if len(refs) == 0 {
		return nil, fmt.Errorf("import images into containerd %s: the archive named no image (an OCI archive needs an io.containerd.image.name or a full org.opencontainers.image.ref.name annotation): %s", c.Address, strings.TrimSpace(stdout.String()+stderr.String()))
	}
	return refs, nil
}

// importedRefs reads ctr's "unpacking REF (sha256:...)...done" lines.
func importedRefs(out string) []string {
	var refs []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "unpacking ")
		if !ok {
			continue
		}
		if ref, _, ok := strings.Cut(rest, " (sha256:"); ok {
			refs = append(refs, ref)
		}
	}
	return refs
}
