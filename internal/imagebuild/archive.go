package imagebuild

import (
	"archive/tar"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// WriteDockerArchive writes images, keyed by reference ("repo:tag"), in
// the format of `docker save`, which containerd, docker and podman import.
func WriteDockerArchive(w io.Writer, images map[string]v1.Image) error {
	refs := make(map[name.Reference]v1.Image, len(images))
	for ref, img := range images {
		tag, err := name.NewTag(ref)
		if err != nil {
			return fmt.Errorf("write image archive: %w", err)
		}
		refs[tag] = img
	}
	if err := tarball.MultiRefWrite(refs, w); err != nil {
		return fmt.Errorf("write image archive: %w", err)
	}
	return nil
}

// annotationImageName is the index annotation containerd reads (and writes
// on export) for an image's full reference; the OCI ref.name annotation
// alone would only give it the tag.
const annotationImageName = "io.containerd.image.name"

// WriteOCIArchive writes images, keyed by reference, as a tarred OCI image
// layout (oci-layout, index.json, blobs/sha256/...).
func WriteOCIArchive(w io.Writer, images map[string]v1.Image) error {
	tw := tar.NewWriter(w)
	written := map[v1.Hash]bool{}
	blob := func(h v1.Hash, b []byte) error {
		if written[h] {
			return nil
		}
		written[h] = true
		return writeTarFile(tw, "blobs/"+h.Algorithm+"/"+h.Hex, b)
	}
	index := struct {
		SchemaVersion int             `json:"schemaVersion"`
		MediaType     types.MediaType `json:"mediaType"`
		Manifests     []v1.Descriptor `json:"manifests"`
	}{SchemaVersion: 2, MediaType: types.OCIImageIndex}

	refs := make([]string, 0, len(images))
	for ref := range images {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	for _, ref := range refs {
		tag, err := name.NewTag(ref)
		if err != nil {
			return fmt.Errorf("write OCI archive: %w", err)
		}
		desc, err := writeImageBlobs(images[ref], blob)
		if err != nil {
			return fmt.Errorf("write OCI archive %s: %w", ref, err)
		}
		desc.Annotations = map[string]string{annotationImageName: tag.Name(), "org.opencontainers.image.ref.name": tag.TagStr()}
		index.Manifests = append(index.Manifests, desc)
	}
	idx, err := json.Marshal(index)
	if err != nil {
		return fmt.Errorf("write OCI archive index: %w", err)
	}
	if err := writeTarFile(tw, "oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := writeTarFile(tw, "index.json", idx); err != nil {
		return err
	}
	return tw.Close()
}

// writeImageBlobs stores an image's layers, config and manifest and
// returns the manifest's descriptor.
func writeImageBlobs(img v1.Image, blob func(v1.Hash, []byte) error) (v1.Descriptor, error) {
	layers, err := img.Layers()
	if err != nil {
		return v1.Descriptor{}, err
	}
	for _, l := range layers {
		h, err := l.Digest()
		if err != nil {
			return v1.Descriptor{}, err
		}
		rc, err := l.Compressed()
		if err != nil {
			return v1.Descriptor{}, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return v1.Descriptor{}, err
		}
		if err := blob(h, b); err != nil {
			return v1.Descriptor{}, err
		}
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return v1.Descriptor{}, err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := blob(cfgName, cfg); err != nil {
		return v1.Descriptor{}, err
	}
	manifest, err := img.RawManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	digest, err := img.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := img.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := blob(digest, manifest); err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Digest: digest, Size: int64(len(manifest))}, nil
}

func writeTarFile(tw *tar.Writer, path string, b []byte) error {
	h := &tar.Header{Name: path, Mode: 0o644, Size: int64(len(b)), ModTime: epoch, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tw.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Push uploads img to the registry named in ref over plain HTTP (a local
// test or air-gap registry has no certificate).
func Push(ctx context.Context, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	if err := remote.Write(tag, img, remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	return nil
}
