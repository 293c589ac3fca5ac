package main

import "testing"

func TestStatCommPPID(t *testing.T) {
	for _, tc := range []struct {
		stat, comm string
		ppid       int
	}{
		{"812 (containerd) S 800 812 1 0 -1", "containerd", 800},
		{"9 (a (b) c) R 1 9 9 0", "a (b) c", 1},
		{"garbage", "", 0},
	} {
		comm, ppid := statCommPPID(tc.stat)
		if comm != tc.comm || ppid != tc.ppid {
			t.Errorf("statCommPPID(%q) = %q, %d; want %q, %d", tc.stat, comm, ppid, tc.comm, tc.ppid)
		}
	}
}

func TestIsShimOf(t *testing.T) {
	sock := "/run/bosun/0a1b2c3d/containerd.sock"
	for _, tc := range []struct {
		cmdline string
		want    bool
	}{
		{"/usr/bin/containerd-shim-runc-v2\x00-namespace\x00k8s.io\x00-id\x00abc\x00-address\x00" + sock + "\x00", true},
		{"containerd-shim-runc-v2\x00-address\x00unix://" + sock, true},
		{"containerd-shim-runc-v2\x00-address\x00/run/containerd/containerd.sock\x00", false},
		{"containerd-shim-runc-v2\x00-address", false},
	} {
		if got := isShimOf(tc.cmdline, sock); got != tc.want {
			t.Errorf("isShimOf(%q) = %v, want %v", tc.cmdline, got, tc.want)
		}
	}
}
