package volumes

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestEmptyDirOwnership(t *testing.T) {
	requireRoot(t)
	for _, tc := range []struct {
		name     string
		gid      int
		wantGID  uint32
		wantMode os.FileMode
	}{
		{"no fsGroup", -1, 0, os.ModeDir | 0o777},
		{"fsGroup", 2000, 2000, os.ModeDir | os.ModeSetgid | 0o777},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "scratch")
			if err := setupEmptyDir(dir, &corev1.EmptyDirVolumeSource{}, tc.gid); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode() != tc.wantMode || info.Sys().(*syscall.Stat_t).Gid != tc.wantGID {
				t.Errorf("emptyDir mode %v gid %d, want %v gid %d", info.Mode(), info.Sys().(*syscall.Stat_t).Gid, tc.wantMode, tc.wantGID)
			}
		})
	}
}
