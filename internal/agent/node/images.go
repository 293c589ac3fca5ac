package node

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// As kubelet: the node lists its largest images only, with a few names
// each, so the Node object stays small.
const (
	maxImages        = 50
	maxNamesPerImage = 5
)

// nodeImages is the status image list: largest first, digests before tags,
// unnamed images left out.
func nodeImages(images []*runtimeapi.Image) []corev1.ContainerImage {
	sorted := slices.Clone(images)
	slices.SortStableFunc(sorted, func(a, b *runtimeapi.Image) int {
		switch {
		case a.GetSize() > b.GetSize():
			return -1
		case a.GetSize() < b.GetSize():
			return 1
		}
		return 0
	})
	var out []corev1.ContainerImage
	for _, img := range sorted {
		names := append(slices.Clone(img.GetRepoDigests()), img.GetRepoTags()...)
		if len(names) == 0 {
			continue
		}
		if len(names) > maxNamesPerImage {
			names = names[:maxNamesPerImage]
		}
		out = append(out, corev1.ContainerImage{Names: names, SizeBytes: int64(img.GetSize())})
		if len(out) == maxImages {
			break
		}
	}
	return out
}
