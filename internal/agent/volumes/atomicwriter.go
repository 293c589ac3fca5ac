package volumes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	dataDirName    = "..data"
	newDataDirName = "..data_tmp"
)

// File is one file of a projected payload: its content and permission
// bits, and the owning group (-1 leaves the group alone).
type File struct {
	Data []byte
	Mode os.FileMode
	GID  int
}

// WriteAtomic makes dir hold exactly payload (relative path → file) so a
// reader never sees a mix of old and new files: the files go into a fresh
// "..<timestamp>" directory, "..data" is repointed at it by rename, and
// each top-level name is a symlink through "..data". Names no longer in
// the payload are removed. It reports whether anything changed; an
// unchanged payload touches nothing.
func WriteAtomic(dir string, payload map[string]File, now time.Time) (bool, error) {
	if err := validatePayload(payload); err != nil {
		return false, err
	}
	oldTS, err := os.Readlink(filepath.Join(dir, dataDirName))
	if err != nil && !os.IsNotExist(err) {
		return false, fmt.Errorf("read %s link in %s: %w", dataDirName, dir, err)
	}
	if oldTS != "" {
		same, err := sameContent(filepath.Join(dir, oldTS), payload)
		if err != nil {
			return false, err
		}
		if same {
			return false, nil
		}
	}
	tsDir, err := os.MkdirTemp(dir, now.UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return false, fmt.Errorf("create timestamped dir in %s: %w", dir, err)
	}
	// MkdirTemp makes 0700; containers running as other users must read it.
	if err := os.Chmod(tsDir, 0o755); err != nil {
		return false, fmt.Errorf("chmod %s: %w", tsDir, err)
	}
	if err := writeFiles(tsDir, payload); err != nil {
		os.RemoveAll(tsDir)
		return false, err
	}
	tmpLink := filepath.Join(dir, newDataDirName)
	os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(tsDir), tmpLink); err != nil {
		os.RemoveAll(tsDir)
		return false, fmt.Errorf("link new data dir in %s: %w", dir, err)
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataDirName)); err != nil {
		os.Remove(tmpLink)
		os.RemoveAll(tsDir)
		return false, fmt.Errorf("swap %s in %s: %w", dataDirName, dir, err)
	}
	if err := linkTopLevel(dir, payload); err != nil {
		return true, err
	}
	if err := removeStale(dir, payload, filepath.Base(tsDir)); err != nil {
		return true, err
	}
	return true, nil
}

// validatePayload refuses paths that could escape the volume or collide
// with the writer's own bookkeeping names.
func validatePayload(payload map[string]File) error {
	for p := range payload {
		if p == "" || filepath.IsAbs(p) || len(p) > 4096 {
			return fmt.Errorf("invalid path %q in volume payload", p)
		}
		for _, part := range strings.Split(p, "/") {
			if part == ".." || part == "." || part == "" {
				return fmt.Errorf("invalid path %q in volume payload: must not contain '..', '.' or empty elements", p)
			}
		}
		if strings.HasPrefix(p, "..") {
			return fmt.Errorf("invalid path %q in volume payload: must not start with '..'", p)
		}
	}
	return nil
}

// sameContent compares the files under tsDir with payload, contents,
// modes and set of names alike.
func sameContent(tsDir string, payload map[string]File) (bool, error) {
	seen := 0
	err := filepath.WalkDir(tsDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tsDir, path)
		f, ok := payload[rel]
		if !ok {
			return errDiffers
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != f.Mode.Perm() {
			return errDiffers
		}
		got, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, f.Data) {
			return errDiffers
		}
		seen++
		return nil
	})
	if err == errDiffers || os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("compare payload with %s: %w", tsDir, err)
	}
	return seen == len(payload), nil
}

var errDiffers = fmt.Errorf("payload differs")

func writeFiles(tsDir string, payload map[string]File) error {
	for rel, f := range payload {
		path := filepath.Join(tsDir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create dir for %s: %w", rel, err)
		}
		if err := os.WriteFile(path, f.Data, f.Mode.Perm()); err != nil {
			return fmt.Errorf("write %s: %w", rel, err)
		}
		// WriteFile's mode passes through the umask; the pod asked for exact bits.
		if err := os.Chmod(path, f.Mode.Perm()); err != nil {
			return fmt.Errorf("chmod %s: %w", rel, err)
		}
		if f.GID >= 0 {
			if err := os.Lchown(path, -1, f.GID); err != nil {
				return fmt.Errorf("chown %s to group %d: %w", rel, f.GID, err)
			}
		}
	}
	return nil
}

// topLevel is the first path element of every payload path: the names a
// user sees in the volume.
func topLevel(payload map[string]File) map[string]bool {
	names := map[string]bool{}
	for rel := range payload {
		names[strings.SplitN(rel, "/", 2)[0]] = true
	}
	return names
}

func linkTopLevel(dir string, payload map[string]File) error {
	for name := range topLevel(payload) {
		link := filepath.Join(dir, name)
		target := filepath.Join(dataDirName, name)
		if cur, err := os.Readlink(link); err == nil && cur == target {
			continue
		}
		tmp := link + ".tmp-link"
		os.Remove(tmp)
		if err := os.Symlink(target, tmp); err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
		if err := os.Rename(tmp, link); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("link %s: %w", name, err)
		}
	}
	return nil
}

// removeStale drops user-visible names that left the payload and every
// timestamped directory but the current one.
func removeStale(dir string, payload map[string]File, currentTS string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	keep := topLevel(payload)
	for _, e := range entries {
		name := e.Name()
		switch {
		case name == dataDirName || name == currentTS:
			continue
		case strings.HasPrefix(name, ".."):
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("remove old data dir %s: %w", name, err)
			}
		case !keep[name]:
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("remove stale %s: %w", name, err)
			}
		}
	}
	return nil
}
