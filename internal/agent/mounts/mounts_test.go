package mounts

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseAndUnder(t *testing.T) {
	info := strings.Join([]string{
		"22 1 8:1 / / rw - ext4 /dev/sda1 rw",
		"40 22 0:50 / /data/containerd/io.containerd.runtime.v2.task/k8s.io/x/rootfs rw - overlay overlay rw",
		"41 22 0:41 / /run/bosun/abcd1234/containerd/netns/cni-1 rw - nsfs nsfs rw",
		"42 22 0:42 / /run/bosun/abcd1234/containerd/io.containerd.grpc.v1.cri/sandboxes/s/shm rw - tmpfs shm rw",
		"43 22 0:43 / /data/containerd-other rw - tmpfs tmpfs rw",
		"44 22 0:44 / /data/containerd/with\\040space rw - tmpfs tmpfs rw",
		"45 44 0:45 / /data/containerd/with\\040space rw - tmpfs tmpfs rw",
		"46 22 0:46 / /run/bosun/abcd1234 rw - tmpfs tmpfs rw",
		"",
	}, "\n")
	points, err := Parse(strings.NewReader(info))
	if err != nil {
		t.Fatal(err)
	}
	got := Under(points, "/data/containerd", "/run/bosun/abcd1234/")
	want := []string{
		"/run/bosun/abcd1234/containerd/io.containerd.grpc.v1.cri/sandboxes/s/shm",
		"/data/containerd/io.containerd.runtime.v2.task/k8s.io/x/rootfs",
		"/run/bosun/abcd1234/containerd/netns/cni-1",
		"/data/containerd/with space",
		"/data/containerd/with space",
		"/run/bosun/abcd1234",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Under:\n%q\nwant:\n%q", got, want)
	}
}
