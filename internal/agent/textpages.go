package agent

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// textChunk is the size of the pieces the agent's read-only executable
// mappings are split into. The agent runs from the same 80 MB binary as the
// server, whose page cache the kernel holds in large folios (up to 2 MiB);
// since Linux 6.18 a fault maps the whole folio around the touched page when
// it fits in the VMA, so touching a few bytes of each folio puts nearly the
// entire text in the agent's RSS (measured: 33 of 36 MiB of .text, one touch
// per MiB mapping 17 MiB). The kernel maps a whole folio only when it lies
// inside one VMA, so VMAs of 64 KiB bound each fault to the kernel's
// ordinary 64 KiB fault-around.
const textChunk = 64 << 10

// mapping is one line of /proc/self/maps.
type mapping struct {
	start, end uintptr
	perms      string
	path       string
}

// parseMaps reads /proc/<pid>/maps lines.
func parseMaps(r io.Reader) ([]mapping, error) {
	var out []mapping
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			return nil, fmt.Errorf("maps line %q: no address range", sc.Text())
		}
		start, err := strconv.ParseUint(lo, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("maps line %q: %w", sc.Text(), err)
		}
		end, err := strconv.ParseUint(hi, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("maps line %q: %w", sc.Text(), err)
		}
		m := mapping{start: uintptr(start), end: uintptr(end), perms: f[1]}
		if len(f) >= 6 {
			m.path = f[5]
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// trimmable are the mappings of exe that hold nothing but the file's
// contents: private and never writable, so dropping their pages loses
// nothing — the next access maps the same bytes again from the page cache.
// Writable ones (.data, .bss) must never be dropped: that would reset them.
func trimmable(maps []mapping, exe string) []mapping {
	var out []mapping
	for _, m := range maps {
		if m.path == exe && len(m.perms) == 4 && m.perms[0] == 'r' && m.perms[1] == '-' && m.perms[3] == 'p' {
			out = append(out, m)
		}
	}
	return out
}

// chunkAdvice returns the sub-ranges of m to mark MADV_RANDOM: the
// even-numbered textChunk-aligned chunks of the address space, so
// neighbours differ in flags and the kernel cannot merge them back into one
// VMA. Numbering by address, not by offset in m, keeps a second trim from
// marking every piece of an already split mapping and merging them again.
// Random access only changes read-ahead on a page cache miss, which the
// shared, already cached binary rarely has.
func chunkAdvice(m mapping) [][2]uintptr {
	var out [][2]uintptr
	for c := m.start &^ (textChunk - 1); c < m.end; c += textChunk {
		if (c/textChunk)%2 != 0 {
			continue
		}
		out = append(out, [2]uintptr{max(c, m.start), min(c+textChunk, m.end)})
	}
	return out
}

// trimText splits the agent's read-only executable mappings into small VMAs
// and drops the pages mapped so far, mostly code and tables only the start
// (package initialisation, shared with the server's commands) touched; what
// the agent keeps running faults back in 64 KiB at a time. It returns the
// bytes of mappings trimmed.
func trimText() (int, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, fmt.Errorf("find executable: %w", err)
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("read mappings: %w", err)
	}
	maps, err := parseMaps(f)
	f.Close()
	if err != nil {
		return 0, fmt.Errorf("read mappings: %w", err)
	}
	total := 0
	for _, m := range trimmable(maps, exe) {
		for _, r := range chunkAdvice(m) {
			if err := madvise(r[0], r[1], unix.MADV_RANDOM); err != nil {
				return total, fmt.Errorf("split mapping %x-%x: %w", m.start, m.end, err)
			}
		}
		if err := madvise(m.start, m.end, unix.MADV_DONTNEED); err != nil {
			return total, fmt.Errorf("drop pages of mapping %x-%x: %w", m.start, m.end, err)
		}
		total += int(m.end - m.start)
	}
	return total, nil
}

// madvise advises on [start, end) of the process's own address space.
func madvise(start, end uintptr, advice int) error {
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, uintptr(advice))
	if errno != 0 {
		return errno
	}
	return nil
}
