package imagebuild

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// BusyboxVersion tags the image built from Debian 12's busybox-static.
const BusyboxVersion = "1.35"

const (
	busyboxInImage = "bin/busybox"
	defaultPath    = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// Busybox builds a small Linux userland from a static busybox binary (the
// Debian package busybox-static installs /usr/bin/busybox): the binary at
// /bin/busybox, a symbolic link for every applet it lists, root and nobody
// users, and the usual top-level directories. The image's architecture is
// the binary's.
func Busybox(busyboxPath string) (v1.Image, error) {
	bin, err := os.ReadFile(busyboxPath)
	if err != nil {
		return nil, fmt.Errorf("read busybox: %w", err)
	}
	arch, err := elfArch(busyboxPath)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(busyboxPath, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("list busybox applets: %w", err)
	}
	entries, err := busyboxEntries(bin, strings.Fields(string(out)))
	if err != nil {
		return nil, err
	}
	return singleLayerImage(arch, entries, v1.Config{
		Cmd: []string{"sh"},
		Env: []string{"PATH=" + defaultPath},
	})
}

// busyboxEntries lays out the file system for the binary and its applets
// (paths relative to /, as `busybox --list-full` prints them).
func busyboxEntries(bin []byte, applets []string) ([]entry, error) {
	entries := []entry{
		dir("bin", 0o755), dir("sbin", 0o755), dir("usr", 0o755), dir("usr/bin", 0o755),
		dir("usr/sbin", 0o755), dir("etc", 0o755), dir("home", 0o755), dir("root", 0o700),
		dir("tmp", 0o1777), dir("var", 0o755), dir("var/www", 0o755),
		file(busyboxInImage, 0o755, bin),
		file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")),
		file("etc/group", 0o644, []byte("root:x:0:\nnobody:x:65534:\n")),
		dir("usr/local", 0o755), dir("usr/local/bin", 0o755),
		file("usr/local/bin/wget", 0o755, []byte(wgetWithoutT)),
	}
	dirs := map[string]bool{".": true}
	for _, e := range entries {
		if e.dir {
			dirs[e.path] = true
		}
	}
	seen := map[string]bool{busyboxInImage: true}
	for _, a := range applets {
		a = strings.TrimPrefix(path.Clean("/"+a), "/")
		if seen[a] {
			continue
		}
		if !dirs[path.Dir(a)] {
			return nil, fmt.Errorf("busybox applet %s is outside the image's directories", a)
		}
		seen[a] = true
		entries = append(entries, symlink(a, "/"+busyboxInImage))
	}
	return entries, nil
}

// wgetWithoutT comes before busybox's wget on PATH: Debian's static
// busybox 1.35 dies of SIGSEGV in `wget -T N`, so the timeout is given to
// busybox's timeout(1) around a wget without -T.
const wgetWithoutT = `#!/bin/busybox sh
timeout=
n=$#
while [ "$n" -gt 0 ]; do
  a=$1; shift; n=$((n-1))
  case $a in
    -T) timeout=$1; shift; n=$((n-1)) ;;
    -T*) timeout=${a#-T} ;;
    --timeout=*) timeout=${a#--timeout=} ;;
    *) set -- "$@" "$a" ;;
  esac
done
[ -z "$timeout" ] || exec /bin/busybox timeout "$timeout" /bin/busybox wget "$@"
exec /bin/busybox wget "$@"
`

// elfArch maps an executable's machine to the OCI architecture name.
func elfArch(binPath string) (string, error) {
	f, err := elf.Open(binPath)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", binPath, err)
	}
	defer f.Close()
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64", nil
	case elf.EM_AARCH64:
		return "arm64", nil
	default:
		return "", fmt.Errorf("%s: unsupported machine %v", binPath, f.Machine)
	}
}
