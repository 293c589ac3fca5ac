package images

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/bosun-dev/bosun/internal/imagebuild"
	gcrv1 "github.com/google/go-containerregistry/pkg/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// PauseImage is the sandbox image to configure the runtime with.
const PauseImage = imagebuild.PauseImage

// importVisibleTimeout bounds how long CRI may take to see an image
// imported through containerd's API (it learns of it from an event).
const importVisibleTimeout = 10 * time.Second

// EnsurePause makes sure the runtime holds this build's pause image before
// any sandbox starts: it builds the image in memory and imports it when
// the runtime has none or an older one (a different ID under the same tag).
func EnsurePause(ctx context.Context, images runtimeapi.ImageServiceClient, importer Importer) error {
	img, err := imagebuild.Pause(runtime.GOARCH)
	if err != nil {
		return err
	}
	want, err := img.ConfigName()
	if err != nil {
		return fmt.Errorf("pause image id: %w", err)
	}
	if id, err := imageID(ctx, images, PauseImage); err != nil {
		return err
	} else if id == want.String() {
		return nil
	}
	var buf bytes.Buffer
	if err := imagebuild.WriteDockerArchive(&buf, map[string]gcrv1.Image{PauseImage: img}); err != nil {
		return err
	}
	if _, err := importer.Import(ctx, &buf); err != nil {
		return fmt.Errorf("import pause image: %w", err)
	}
	deadline := time.Now().Add(importVisibleTimeout)
	for {
		id, err := imageID(ctx, images, PauseImage)
		if err != nil {
			return err
		}
		if id == want.String() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pause image imported but the runtime reports %q, want %s", id, want)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// imageID is the runtime's ID for ref, "" when absent.
func imageID(ctx context.Context, images runtimeapi.ImageServiceClient, ref string) (string, error) {
	st, err := images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
	if err != nil {
		return "", fmt.Errorf("image status %s: %w", ref, err)
	}
	return st.GetImage().GetId(), nil
}
