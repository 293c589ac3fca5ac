package main

import (
	"reflect"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestHumanSize(t *testing.T) {
	for b, want := range map[uint64]string{0: "0B", 999: "999B", 1000: "1.00kB", 1982256: "1.98MB", 20_312_000: "20.3MB", 740_100: "740kB", 999_999: "1.00MB"} {
		if got := humanSize(b); got != want {
			t.Errorf("humanSize(%d) = %s, want %s", b, got, want)
		}
	}
}

func TestImageRows(t *testing.T) {
	img := &runtimeapi.Image{Id: "sha256:0123456789abcdef", Size: 1000, RepoTags: []string{"localhost:5000/bosun/busybox:1.35", "bosun.dev/pause:3.10"}}
	want := [][]string{{"localhost:5000/bosun/busybox", "1.35", "0123456789abc", "1.00kB"}, {"bosun.dev/pause", "3.10", "0123456789abc", "1.00kB"}}
	if got := imageRows(img); !reflect.DeepEqual(got, want) {
		t.Errorf("rows = %v", got)
	}
	digestOnly := &runtimeapi.Image{Id: "sha256:ab", RepoDigests: []string{"localhost:5000/x@sha256:ab"}}
	if got := imageRows(digestOnly); !reflect.DeepEqual(got, [][]string{{"localhost:5000/x", "<none>", "ab", "0B"}}) {
		t.Errorf("rows = %v", got)
	}
}
