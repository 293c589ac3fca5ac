package images

import (
	"context"
	"fmt"
	"slices"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// List returns the runtime's images ordered by their first name (images
// known only by digest last), for `bosun images list` and node status.
func List(ctx context.Context, images runtimeapi.ImageServiceClient) ([]*runtimeapi.Image, error) {
	resp, err := images.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	out := resp.GetImages()
	slices.SortFunc(out, func(a, b *runtimeapi.Image) int {
		if c := strings.Compare(sortName(a), sortName(b)); c != 0 {
			return c
		}
		return strings.Compare(a.GetId(), b.GetId())
	})
	return out, nil
}

func sortName(img *runtimeapi.Image) string {
	for _, names := range [][]string{img.GetRepoTags(), img.GetRepoDigests()} {
		if len(names) > 0 {
			return names[0]
		}
	}
	return "\xff" // after every name
}
