package volumes

import (
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
)

// checkHostPath applies a hostPath volume's type: the *OrCreate types make
// what is missing (directories 0755 with parents, files 0644 without), the
// others only check; "" checks nothing. Messages are kubelet's.
func checkHostPath(path string, t *corev1.HostPathType) error {
	if t == nil || *t == corev1.HostPathUnset {
		return nil
	}
	switch *t {
	case corev1.HostPathDirectoryOrCreate:
		if _, err := os.Stat(path); os.IsNotExist(err) {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return fmt.Errorf("create hostPath directory %s: %w", path, err)
			}
		}
		return wantMode(path, os.ModeDir, "a directory")
	case corev1.HostPathDirectory:
		return wantMode(path, os.ModeDir, "a directory")
	case corev1.HostPathFileOrCreate:
		if _, err := os.Stat(path); os.IsNotExist(err) {
			f, err := os.OpenFile(path, os.O_CREATE, 0o644)
			if err != nil {
				return fmt.Errorf("create hostPath file %s: %w", path, err)
			}
			f.Close()
		}
		return wantMode(path, 0, "a file")
	case corev1.HostPathFile:
		return wantMode(path, 0, "a file")
	case corev1.HostPathSocket:
		return wantMode(path, os.ModeSocket, "a socket file")
	case corev1.HostPathCharDev:
		return wantMode(path, os.ModeDevice|os.ModeCharDevice, "a character device")
	case corev1.HostPathBlockDev:
		return wantMode(path, os.ModeDevice, "a block device")
	}
	return fmt.Errorf("invalid HostPathType: %s", *t)
}

// wantMode checks the file type bits of path (following symlinks) equal
// typ; 0 means a regular file.
func wantMode(path string, typ os.FileMode, what string) error {
	info, err := os.Stat(path)
	if err != nil || info.Mode().Type() != typ {
		return fmt.Errorf("hostPath type check failed: %s is not %s", path, what)
	}
	return nil
}
