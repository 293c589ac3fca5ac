package volumes

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func file(data string, mode os.FileMode) File { return File{Data: []byte(data), Mode: mode, GID: -1} }

// visible lists the volume's user-visible names with their content read
// through the symlinks.
func visible(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if strings.HasPrefix(rel, "..") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		if info.IsDir() {
			if d.Type()&os.ModeSymlink != 0 {
				return filepath.WalkDir(path+"/", func(p string, d os.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						b, _ := os.ReadFile(p)
						r, _ := filepath.Rel(dir, p)
						got[r] = string(b)
					}
					return err
				})
			}
			return nil
		}
		b, err := os.ReadFile(path)
		got[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func dotDirs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

func TestWriteAtomicUpdateAndKeyRemoval(t *testing.T) {
	dir := t.TempDir()
	changed, err := WriteAtomic(dir, map[string]File{"a": file("1", 0o644), "sub/b": file("2", 0o644)}, t0)
	if err != nil || !changed {
		t.Fatalf("first write: changed=%v err=%v", changed, err)
	}
	if got := visible(t, dir); got["a"] != "1" || got["sub/b"] != "2" || len(got) != 2 {
		t.Fatalf("after first write: %v", got)
	}
	if target, _ := os.Readlink(filepath.Join(dir, "a")); target != "..data/a" {
		t.Fatalf("a links to %q", target)
	}
	first, _ := os.Readlink(filepath.Join(dir, dataDirName))
	if !strings.HasPrefix(first, "..2025_01_02_03_04_05.") {
		t.Fatalf("data dir %q is not timestamped", first)
	}

	changed, err = WriteAtomic(dir, map[string]File{"a": file("1", 0o644), "sub/b": file("2", 0o644)}, t0.Add(time.Second))
	if err != nil || changed {
		t.Fatalf("same payload: changed=%v err=%v", changed, err)
	}
	if cur, _ := os.Readlink(filepath.Join(dir, dataDirName)); cur != first {
		t.Fatalf("unchanged payload swapped ..data to %q", cur)
	}

	changed, err = WriteAtomic(dir, map[string]File{"a": file("3", 0o644), "c": file("4", 0o644)}, t0.Add(time.Minute))
	if err != nil || !changed {
		t.Fatalf("update: changed=%v err=%v", changed, err)
	}
	if got := visible(t, dir); len(got) != 2 || got["a"] != "3" || got["c"] != "4" {
		t.Fatalf("after update: %v", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "sub")); !os.IsNotExist(err) {
		t.Fatalf("removed key's link still there: %v", err)
	}
	cur, _ := os.Readlink(filepath.Join(dir, dataDirName))
	if want := []string{cur, dataDirName}; strings.Join(dotDirs(t, dir), ",") != strings.Join(want, ",") {
		t.Fatalf("dot entries = %v, want %v (old timestamp dir removed)", dotDirs(t, dir), want)
	}
}

func TestWriteAtomicModes(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteAtomic(dir, map[string]File{"ro": file("x", 0o400), "exe": file("y", 0o755)}, t0); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"ro": 0o400, "exe": 0o755} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s mode = %o, want %o", name, info.Mode().Perm(), want)
		}
	}
	// A mode change alone is a change.
	changed, err := WriteAtomic(dir, map[string]File{"ro": file("x", 0o440), "exe": file("y", 0o755)}, t0)
	if err != nil || !changed {
		t.Fatalf("mode change: changed=%v err=%v", changed, err)
	}
	if info, _ := os.Stat(filepath.Join(dir, "ro")); info.Mode().Perm() != 0o440 {
		t.Fatalf("ro mode = %o after change", info.Mode().Perm())
	}
}

func TestWriteAtomicEmptyPayload(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteAtomic(dir, map[string]File{"a": file("1", 0o644)}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteAtomic(dir, map[string]File{}, t0); err != nil {
		t.Fatal(err)
	}
	if got := visible(t, dir); len(got) != 0 {
		t.Fatalf("after emptying: %v", got)
	}
}

func TestValidatePayload(t *testing.T) {
	for _, p := range []string{"/etc/passwd", "../x", "a/../../x", "..data", "..x", "a//b", "./a", ""} {
		if err := validatePayload(map[string]File{p: {}}); err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
	for _, p := range []string{"a", "a/b", "a..b", ".hidden"} {
		if err := validatePayload(map[string]File{p: {}}); err != nil {
			t.Errorf("path %q refused: %v", p, err)
		}
	}
}
