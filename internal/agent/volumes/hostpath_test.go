package volumes

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestCheckHostPath(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "file")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tests := []struct {
		path string
		typ  corev1.HostPathType
		err  string
	}{
		{"/does/not/matter", corev1.HostPathUnset, ""},
		{dir, corev1.HostPathDirectory, ""},
		{regular, corev1.HostPathDirectory, "hostPath type check failed: " + regular + " is not a directory"},
		{filepath.Join(dir, "missing"), corev1.HostPathDirectory, "hostPath type check failed: " + filepath.Join(dir, "missing") + " is not a directory"},
		{filepath.Join(dir, "new/nested"), corev1.HostPathDirectoryOrCreate, ""},
		{regular, corev1.HostPathDirectoryOrCreate, "hostPath type check failed: " + regular + " is not a directory"},
		{regular, corev1.HostPathFile, ""},
		{dir, corev1.HostPathFile, "hostPath type check failed: " + dir + " is not a file"},
		{filepath.Join(dir, "made"), corev1.HostPathFileOrCreate, ""},
		{sock, corev1.HostPathSocket, ""},
		{regular, corev1.HostPathSocket, "hostPath type check failed: " + regular + " is not a socket file"},
		{"/dev/null", corev1.HostPathCharDev, ""},
		{regular, corev1.HostPathCharDev, "hostPath type check failed: " + regular + " is not a character device"},
		{"/dev/null", corev1.HostPathBlockDev, "hostPath type check failed: /dev/null is not a block device"},
		{dir, "Weird", "invalid HostPathType: Weird"},
	}
	for _, tt := range tests {
		typ := tt.typ
		err := checkHostPath(tt.path, &typ)
		if (tt.err == "" && err != nil) || (tt.err != "" && (err == nil || err.Error() != tt.err)) {
			t.Errorf("%s %q: err = %v, want %q", tt.path, tt.typ, err, tt.err)
		}
	}
	if info, err := os.Stat(filepath.Join(dir, "new/nested")); err != nil || !info.IsDir() {
		t.Errorf("DirectoryOrCreate made nothing: %v", err)
	}
	if info, err := os.Stat(filepath.Join(dir, "made")); err != nil || !info.Mode().IsRegular() {
		t.Errorf("FileOrCreate made nothing: %v", err)
	}
	if err := checkHostPath(dir, nil); err != nil {
		t.Errorf("nil type: %v", err)
	}
}
