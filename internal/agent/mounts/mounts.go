// Package mounts reads this mount namespace's mount table and tears down
// mounts below a directory, deepest first, for the agent's volume teardown
// and containerd purge.
package mounts

import (
	"bufio"
	"errors"
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

// Points lists the mount points of this mount namespace.
func Points() ([]string, error) {
	f, err := os.Open(mountInfoPath)
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	return Parse(f)
}

// Parse returns field 5 (the mount point) of each mountinfo line, with the
// kernel's octal escapes (\040 for a space) undone.
func Parse(r io.Reader) ([]string, error) {
	var points []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		points = append(points, unescape(fields[4]))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parse mountinfo: %w", err)
	}
	return points, nil
}

// Under returns the points at or below any of dirs, deepest first: the order
// they must be unmounted in. A point mounted twice appears twice.
func Under(points []string, dirs ...string) []string {
	var out []string
	for _, p := range points {
		for _, d := range dirs {
			d = filepath.Clean(d)
			if p == d || strings.HasPrefix(p, d+"/") {
				out = append(out, p)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.Count(out[i], "/") > strings.Count(out[j], "/") })
	return out
}

// UnmountAll unmounts everything at or below dirs with the given unmount
// flags (unix.MNT_DETACH for a best-effort purge), and fails if anything is
// still mounted there afterwards.
func UnmountAll(flags int, dirs ...string) error {
	points, err := Points()
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range Under(points, dirs...) {
		if err := unix.Unmount(p, flags); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if points, err = Points(); err != nil {
		return err
	}
	if left := Under(points, dirs...); len(left) > 0 {
		return fmt.Errorf("mounts remain under %s: %s", strings.Join(dirs, ", "), strings.Join(left, ", "))
	}
	return nil
}

// unescape undoes mountinfo's octal escapes.
func unescape(s string) string {
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
