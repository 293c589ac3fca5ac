package imagebuild

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/bosun-dev/bosun/internal/imagebuild/registrytest"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const debianBusybox = "/usr/bin/busybox"

func busybox(t *testing.T) v1.Image {
	t.Helper()
	if _, err := os.Stat(debianBusybox); err != nil {
		if os.Geteuid() != 0 {
			t.Skipf("SKIPPED: %s missing (apt-get install busybox-static) and not root", debianBusybox)
		}
		t.Fatalf("%s missing (apt-get install busybox-static): %v", debianBusybox, err)
	}
	img, err := Busybox(debianBusybox)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// layerFiles lists a single-layer image's tar entries by name.
func layerFiles(t *testing.T, img v1.Image) map[string]*tar.Header {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers = %d, %v; want 1", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = h
	}
}

func TestPauseImage(t *testing.T) {
	a, err := Pause("amd64")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Pause("amd64")
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("two builds differ: %v and %v", da, db)
	}
	cf, err := a.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != "amd64" || cf.OS != "linux" || cf.Config.Entrypoint[0] != "/pause" || cf.Config.User != pauseUser {
		t.Errorf("config = %s/%s %v user %q", cf.OS, cf.Architecture, cf.Config.Entrypoint, cf.Config.User)
	}
	files := layerFiles(t, a)
	if h := files["pause"]; h == nil || h.Mode != 0o755 || len(files) != 1 {
		t.Errorf("layer = %v, want only an executable pause", files)
	}
}

func TestBusyboxImage(t *testing.T) {
	img := busybox(t)
	files := layerFiles(t, img)
	for path, want := range map[string]byte{
		"bin/busybox": tar.TypeReg, "bin/sh": tar.TypeSymlink, "usr/bin/wget": tar.TypeSymlink,
		"etc/passwd": tar.TypeReg, "tmp/": tar.TypeDir,
	} {
		if h := files[path]; h == nil || h.Typeflag != want {
			t.Errorf("%s: got %+v, want type %c", path, h, want)
		}
	}
	if files["tmp/"].Mode != 0o1777 {
		t.Errorf("tmp mode = %o", files["tmp/"].Mode)
	}
	cf, _ := img.ConfigFile()
	if cf.Config.Cmd[0] != "sh" || cf.Architecture == "" {
		t.Errorf("config = %+v", cf.Config)
	}
}

func TestBusyboxEntriesRejectUnknownDirectory(t *testing.T) {
	if _, err := busyboxEntries(nil, []string{"opt/bin/x"}); err == nil {
		t.Error("want an error for an applet outside the image's directories")
	}
	entries, err := busyboxEntries(nil, []string{"bin/busybox", "bin/sh", "/bin/sh"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := layerTar(entries); err != nil {
		t.Errorf("duplicate applets should collapse: %v", err)
	}
}

func TestDockerArchiveRoundTrip(t *testing.T) {
	img, _ := Pause("arm64")
	var buf bytes.Buffer
	if err := WriteDockerArchive(&buf, map[string]v1.Image{PauseImage: img}); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(PauseImage)
	back, err := tarball.Image(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil }, &tag)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if got, _ := back.Digest(); got != want {
		t.Errorf("digest after round trip = %v, want %v", got, want)
	}
}

func TestOCIArchiveLayout(t *testing.T) {
	img, _ := Pause("amd64")
	var buf bytes.Buffer
	if err := WriteOCIArchive(&buf, map[string]v1.Image{PauseImage: img, "example.com/p:1": img}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = b
	}
	var index v1.IndexManifest
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 2 || index.Manifests[0].Annotations[annotationImageName] != "bosun.dev/pause:3.10" {
		t.Fatalf("index = %+v", index)
	}
	m, _ := img.Manifest()
	for _, d := range append(m.Layers, m.Config, index.Manifests[0]) {
		if _, ok := files["blobs/sha256/"+d.Digest.Hex]; !ok {
			t.Errorf("blob %v missing", d.Digest)
		}
	}
	if _, ok := files["oci-layout"]; !ok {
		t.Error("oci-layout missing")
	}
}

func TestPushToRegistry(t *testing.T) {
	host := registrytest.Start(t)
	img := busybox(t)
	ref := host + "/bosun/busybox:" + BusyboxVersion
	if err := Push(context.Background(), ref, img); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(ref, name.Insecure)
	got, err := remote.Image(tag)
	if err != nil {
		t.Fatalf("pull back: %v", err)
	}
	want, _ := img.Digest()
	if d, _ := got.Digest(); d != want {
		t.Errorf("pulled digest %v, want %v", d, want)
	}
}
