package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/agent/cri"
	"github.com/bosun-dev/bosun/internal/agent/images"
)

// newImagesCommand is `bosun images`: the images in a node agent's
// containerd, and importing tarballs into it for nodes without a registry.
func newImagesCommand() *cobra.Command {
	var dataDir, endpoint string
	runtimeEndpoint := func() string {
		if endpoint != "" {
			return endpoint
		}
		return "unix://" + filepath.Join(containerd.RunDir(dataDir), "containerd.sock")
	}
	cmd := &cobra.Command{
		Use:   "images",
		Short: "List and import the images in this node's container runtime",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&dataDir, "data-dir", "/var/lib/bosun/agent", "the node agent's data dir, whose containerd to use")
	pf.StringVar(&endpoint, "container-runtime-endpoint", "", "containerd socket to use instead of the agent's (unix:///path/to.sock)")

	cmd.AddCommand(&cobra.Command{
		Use:   "import FILE.tar...",
		Short: "Import image tarballs (docker save or OCI layout) so pods can use them without pulling",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			for _, path := range args {
				if err := importFile(ctx, runtimeEndpoint(), path); err != nil {
					return err
				}
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "list",
		Short: "List the images in the container runtime",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			c, err := cri.Dial(ctx, runtimeEndpoint(), 10*time.Second)
			if err != nil {
				return err
			}
			defer c.Close()
			list, err := images.List(ctx, c.Images)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
			fmt.Fprintln(w, "IMAGE\tTAG\tIMAGE ID\tSIZE")
			for _, img := range list {
				for _, row := range imageRows(img) {
					fmt.Fprintln(w, strings.Join(row, "\t"))
				}
			}
			return w.Flush()
		},
	})
	return cmd
}

func importFile(ctx context.Context, endpoint, path string) error {
	fmt.Printf("importing %s...\n", path)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	defer f.Close()
	refs, err := images.Import(ctx, endpoint, f)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	for _, ref := range refs {
		fmt.Printf("imported %s\n", ref)
	}
	return nil
}

// imageRows are `crictl images` rows: one per tag, or one "<none>" row for
// an image known only by digest.
func imageRows(img *runtimeapi.Image) [][]string {
	id := strings.TrimPrefix(img.GetId(), "sha256:")
	if len(id) > 13 {
		id = id[:13]
	}
	size := humanSize(img.GetSize())
	var rows [][]string
	for _, t := range img.GetRepoTags() {
		repo, tag := t, "<none>"
		if i := strings.LastIndexByte(t, ':'); i > strings.LastIndexByte(t, '/') {
			repo, tag = t[:i], t[i+1:]
		}
		rows = append(rows, []string{repo, tag, id, size})
	}
	if len(rows) == 0 {
		repo := "<none>"
		if d := img.GetRepoDigests(); len(d) > 0 {
			repo, _, _ = strings.Cut(d[0], "@")
		}
		rows = append(rows, []string{repo, "<none>", id, size})
	}
	return rows
}

// humanSize writes bytes in decimal units with three significant digits,
// as crictl and docker do ("1.98MB").
func humanSize(b uint64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	v := float64(b)
	i := 0
	for v >= 999.5 && i < len(units)-1 {
		v /= 1000
		i++
	}
	switch {
	case i == 0:
		return fmt.Sprintf("%dB", b)
	case v >= 99.95:
		return fmt.Sprintf("%.0f%s", v, units[i])
	case v >= 9.995:
		return fmt.Sprintf("%.1f%s", v, units[i])
	default:
		return fmt.Sprintf("%.2f%s", v, units[i])
	}
}
