package node

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

var errUnreachable = errors.New("connection refused")

func TestAllocatable(t *testing.T) {
	q := resource.MustParse
	tests := []struct {
		name               string
		capacity, reserved corev1.ResourceList
		want               corev1.ResourceList
	}{
		{"eviction threshold only",
			corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("4Gi"), corev1.ResourcePods: q("110")}, nil,
			corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("3996Mi"), corev1.ResourcePods: q("110")}},
		{"reserved too",
			corev1.ResourceList{corev1.ResourceCPU: q("2"), corev1.ResourceMemory: q("4Gi")}, corev1.ResourceList{corev1.ResourceCPU: q("100m"), corev1.ResourceMemory: q("256Mi")},
			corev1.ResourceList{corev1.ResourceCPU: q("1900m"), corev1.ResourceMemory: q("3740Mi")}},
		{"ephemeral storage keeps 10% free",
			corev1.ResourceList{corev1.ResourceEphemeralStorage: q("100Gi")}, nil,
			corev1.ResourceList{corev1.ResourceEphemeralStorage: q("92160Mi")}},
		{"never negative",
			corev1.ResourceList{corev1.ResourceMemory: q("64Mi")}, nil,
			corev1.ResourceList{corev1.ResourceMemory: q("0")}},
	}
	hard := corev1.ResourceList{corev1.ResourceMemory: q("100Mi")}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := allocatable(tt.capacity, tt.reserved, hard)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if g := got[k]; g.Cmp(w) != 0 {
					t.Errorf("%s = %s, want %s", k, g.String(), w.String())
				}
			}
		})
	}
}

func TestCapacityAddsPods(t *testing.T) {
	c := capacity(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}, 110)
	if p := c[corev1.ResourcePods]; p.Value() != 110 {
		t.Errorf("pods = %s", p.String())
	}
}

func TestNodeImages(t *testing.T) {
	var imgs []*runtimeapi.Image
	for i := range 60 {
		imgs = append(imgs, &runtimeapi.Image{Id: "id", RepoTags: []string{"t"}, RepoDigests: []string{"d"}, Size: uint64(i)})
	}
	imgs = append(imgs, &runtimeapi.Image{Id: "unnamed", Size: 1000},
		&runtimeapi.Image{Id: "many", RepoTags: []string{"a", "b", "c", "d", "e", "f"}, Size: 500})
	got := nodeImages(imgs)
	if len(got) != maxImages {
		t.Fatalf("got %d images, want %d", len(got), maxImages)
	}
	if got[0].SizeBytes != 500 || len(got[0].Names) != maxNamesPerImage {
		t.Errorf("largest named image = %+v", got[0])
	}
	if got[1].SizeBytes != 59 || got[1].Names[0] != "d" || got[1].Names[1] != "t" {
		t.Errorf("second = %+v, want digest before tag", got[1])
	}
	if last := got[len(got)-1]; last.SizeBytes != 11 {
		t.Errorf("smallest kept = %d, want 11", last.SizeBytes)
	}
}

func TestOSImage(t *testing.T) {
	tests := map[string]string{
		"NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n": "Debian GNU/Linux 12 (bookworm)",
		"PRETTY_NAME=Alpine":   "Alpine",
		"":                     "Linux",
		"PRETTY_NAME='Single'": "Single",
	}
	for in, want := range tests {
		if got := osImage(in); got != want {
			t.Errorf("osImage(%q) = %q, want %q", in, got, want)
		}
	}
}
