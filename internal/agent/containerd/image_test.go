package containerd

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// sleepImage is an OCI image whose only file is the host's static busybox
// and whose entrypoint sleeps: a sandbox image without any registry. It
// returns the blobs by digest and the manifest.
func sleepImage(t *testing.T) (blobs map[string][]byte, manifest []byte) {
	t.Helper()
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		t.Fatalf("static busybox needed for a test image: %v", err)
	}
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	must(t, tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755}))
	must(t, tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bb))}))
	_, err = tw.Write(bb)
	must(t, err)
	must(t, tw.Close())

	blobs = map[string][]byte{}
	layerDesc := descriptor(blobs, "application/vnd.oci.image.layer.v1.tar", layer.Bytes())
	config := jsonOf(t, map[string]any{
		"architecture": runtime.GOARCH, "os": "linux",
		"config": map[string]any{"Entrypoint": []string{"/bin/busybox", "sleep", "2147483647"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []any{layerDesc["digest"]}},
	})
	manifest = jsonOf(t, map[string]any{
		"schemaVersion": 2, "mediaType": manifestType,
		"config": descriptor(blobs, "application/vnd.oci.image.config.v1+json", config),
		"layers": []any{layerDesc},
	})
	return blobs, manifest
}

const manifestType = "application/vnd.oci.image.manifest.v1+json"

// descriptor stores b in blobs and describes it.
func descriptor(blobs map[string][]byte, mediaType string, b []byte) map[string]any {
	sum := sha256.Sum256(b)
	d := "sha256:" + hex.EncodeToString(sum[:])
	blobs[d] = b
	return map[string]any{"mediaType": mediaType, "digest": d, "size": len(b)}
}

// importSleepImage imports sleepImage as ref through ctr, as the project
// imports its pause image.
func importSleepImage(t *testing.T, endpoint, ref string) {
	t.Helper()
	blobs, manifest := sleepImage(t)
	mdesc := descriptor(blobs, manifestType, manifest)
	mdesc["annotations"] = map[string]string{"io.containerd.image.name": ref}
	index := jsonOf(t, map[string]any{"schemaVersion": 2, "manifests": []any{mdesc}})

	var archive bytes.Buffer
	aw := tar.NewWriter(&archive)
	file := func(name string, b []byte) {
		must(t, aw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))}))
		_, err := aw.Write(b)
		must(t, err)
	}
	file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	file("index.json", index)
	for d, b := range blobs {
		file("blobs/sha256/"+strings.TrimPrefix(d, "sha256:"), b)
	}
	must(t, aw.Close())
	path := filepath.Join(t.TempDir(), "image.tar")
	must(t, os.WriteFile(path, archive.Bytes(), 0o644))
	out, err := exec.Command("ctr", "--address", strings.TrimPrefix(endpoint, "unix://"), "-n", "k8s.io",
		"images", "import", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ctr images import: %v\n%s", err, out)
	}
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
