package framework

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Kubernetes' ImageLocality thresholds: below 23 MiB an image is not worth
// chasing, and a container's image counts at most 1000 MiB.
const (
	imageMinThreshold          int64 = 23 * 1024 * 1024
	imageMaxContainerThreshold int64 = 1000 * 1024 * 1024
)

// ImageLocality prefers nodes that already hold the pod's images, scaled
// by how many nodes hold them so one node with a popular image does not
// attract everything.
type ImageLocality struct{}

// Name implements Scorer.
func (ImageLocality) Name() string { return "ImageLocality" }

// imageState is ImageLocality's per-cycle state.
type imageState struct {
	images    []string
	nodesWith map[string]int
	total     int
	sizes     *nodeTable[map[string]int64]
}

var imagesKey = intern("images")

// PreScore implements Scorer.
func (ImageLocality) PreScore(st *CycleState, snap *Snapshot, _ []*NodeInfo) {
	st.images = nil
	var images []string
	for _, cs := range [][]corev1.Container{st.pod.Pod.Spec.InitContainers, st.pod.Pod.Spec.Containers} {
		for i := range cs {
			images = append(images, normalizedImage(cs[i].Image))
		}
	}
	is := &imageState{images: images, nodesWith: map[string]int{}, total: len(snap.Nodes), sizes: table[map[string]int64](snap, imagesKey)}
	found := false
	for _, ni := range snap.Nodes {
		if ni.Node == nil || len(ni.Node.Status.Images) == 0 {
			continue
		}
		sizes := is.sizes.get(ni, func() map[string]int64 { return nodeImageSizes(ni.Node) })
		for _, img := range images {
			if _, ok := sizes[img]; ok {
				is.nodesWith[img]++
				found = true
			}
		}
	}
	if found {
		st.images = is
	}
}

// Score implements Scorer.
func (ImageLocality) Score(st *CycleState, ni *NodeInfo) int64 {
	is := st.images
	if is == nil || len(ni.Node.Status.Images) == 0 {
		return 0
	}
	sizes := is.sizes.get(ni, func() map[string]int64 { return nodeImageSizes(ni.Node) })
	var sum int64
	for _, img := range is.images {
		if size, ok := sizes[img]; ok {
			sum += int64(float64(size) * float64(is.nodesWith[img]) / float64(is.total))
		}
	}
	maxThreshold := imageMaxContainerThreshold * int64(len(is.images))
	sum = min(max(sum, imageMinThreshold), maxThreshold)
	return MaxNodeScore * (sum - imageMinThreshold) / (maxThreshold - imageMinThreshold)
}

// Normalize implements Scorer; scores are already in range.
func (ImageLocality) Normalize(*CycleState, []int64) {}

func nodeImageSizes(node *corev1.Node) map[string]int64 {
	m := map[string]int64{}
	for _, img := range node.Status.Images {
		for _, name := range img.Names {
			m[normalizedImage(name)] = img.SizeBytes
		}
	}
	return m
}

// normalizedImage adds the implicit ":latest" tag so "nginx" and
// "nginx:latest" are the same image.
func normalizedImage(name string) string {
	if strings.Contains(name, "@") || strings.LastIndex(name, ":") > strings.LastIndex(name, "/") {
		return name
	}
	return name + ":latest"
}
