// Command testimages builds the images Bosun's tests run (busybox from
// Debian's busybox-static), pushes them to a plain-HTTP registry, checks
// that they pull back intact, optionally writes them as a docker-archive
// for `bosun images import`, and prints BUSYBOX=<ref> as its last line.
// hack/testimages.sh runs it after starting the registry.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/bosun-dev/bosun/internal/imagebuild"
)

func main() {
	registry := flag.String("registry", "localhost:5000", "registry host:port to push to (plain HTTP)")
	busybox := flag.String("busybox", "/usr/bin/busybox", "static busybox binary (Debian package busybox-static)")
	archive := flag.String("archive", "", "also write the images to this docker-archive tarball")
	flag.Parse()
	ref, err := run(*registry, *busybox, *archive)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testimages:", err)
		os.Exit(1)
	}
	fmt.Printf("BUSYBOX=%s\n", ref)
}

func run(registry, busyboxPath, archive string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fmt.Printf("building busybox %s from %s...\n", imagebuild.BusyboxVersion, busyboxPath)
	img, err := imagebuild.Busybox(busyboxPath)
	if err != nil {
		return "", err
	}
	ref := registry + "/bosun/busybox:" + imagebuild.BusyboxVersion
	fmt.Printf("pushing %s...\n", ref)
	if err := imagebuild.Push(ctx, ref, img); err != nil {
		return "", err
	}
	if err := checkPull(ctx, ref, img); err != nil {
		return "", err
	}
	fmt.Printf("pulled %s back intact\n", ref)
	if archive != "" {
		if err := writeArchive(archive, map[string]v1.Image{ref: img}); err != nil {
			return "", err
		}
		fmt.Printf("wrote %s\n", archive)
	}
	return ref, nil
}

// checkPull fetches ref's manifest and every layer back from the registry.
func checkPull(ctx context.Context, ref string, want v1.Image) error {
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return err
	}
	got, err := remote.Image(tag, remote.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	gd, err := got.Digest()
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	wd, err := want.Digest()
	if err != nil {
		return err
	}
	if gd != wd {
		return fmt.Errorf("pull %s: digest %s, pushed %s", ref, gd, wd)
	}
	layers, err := got.Layers()
	if err != nil {
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return fmt.Errorf("pull %s layer: %w", ref, err)
		}
		rc.Close()
	}
	return nil
}

func writeArchive(path string, images map[string]v1.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := imagebuild.WriteDockerArchive(f, images); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
