package volumes

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

const mountInfoPath = "/proc/self/mountinfo"

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
	points, err := mountPoints()
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

// mountPoints lists this mount namespace's mount points.
func mountPoints() ([]string, error) {
	f, err := os.Open(mountInfoPath)
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	return parseMountInfo(f)
}

// parseMountInfo returns field 5 (the mount point) of each mountinfo line,
// with the kernel's octal escapes (\040 for space) undone.
func parseMountInfo(r io.Reader) ([]string, error) {
	var points []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		points = append(points, unescapeOctal(fields[4]))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse mountinfo: %w", err)
	}
	return points, nil
}

func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mountsUnder lists mount points at or below dir, deepest first, the order
// they must be unmounted in.
func mountsUnder(points []string, dir string) []string {
	dir = filepath.Clean(dir)
	var under []string
	for _, p := range points {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			under = append(under, p)
		}
	}
	sort.Slice(under, func(i, j int) bool { return len(under[i]) > len(under[j]) })
	return under
}

// unmountAll unmounts everything at or below dir; a mount stacked twice
// on one point appears twice and is unmounted twice.
func unmountAll(dir string) error {
	points, err := mountPoints()
	if err != nil {
		return err
	}
	for _, p := range mountsUnder(points, dir) {
		if err := unix.Unmount(p, 0); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			return fmt.Errorf("unmount %s: %w", p, err)
		}
	}
	points, err = mountPoints()
	if err != nil {
		return err
	}
	if left := mountsUnder(points, dir); len(left) > 0 {
		return fmt.Errorf("mounts remain under %s: %s", dir, strings.Join(left, ", "))
	}
	return nil
}
