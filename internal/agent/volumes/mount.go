package volumes

import (
	"fmt"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/bosun-dev/bosun/internal/agent/mounts"
)

// mountTmpfs mounts a tmpfs of at most size bytes (0: tmpfs's default of
// half of RAM) on dir unless one is already there, so secrets never touch
// the node's disk and Setup stays idempotent.
func mountTmpfs(dir string, size int64) error {
	mounted, err := isMountPoint(dir)
	if err != nil {
		return err
	}
	if mounted {
		return nil
	}
	opts := "mode=0755"
	if size > 0 {
		opts += ",size=" + strconv.FormatInt(size, 10)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

func isMountPoint(dir string) (bool, error) {
	points, err := mounts.Points()
	if err != nil {
		return false, err
	}
	clean := filepath.Clean(dir)
	for _, p := range points {
		if p == clean {
			return true, nil
		}
	}
	return false, nil
}

// unmountAll unmounts everything at or below dir and checks nothing is
// left; a mount stacked twice on one point is unmounted twice.
func unmountAll(dir string) error { return mounts.UnmountAll(0, dir) }
