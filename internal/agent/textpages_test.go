package agent

import (
	"crypto/sha256"
	"os"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

const mapsSample = `00400000-027ee000 r-xp 00000000 fe:00 10003220                           /bin/bosun
027ee000-0512f000 r--p 023ee000 fe:00 10003220                           /bin/bosun
0512f000-05210000 rw-p 04d2f000 fe:00 10003220                           /bin/bosun
05210000-07268000 rw-p 00000000 00:00 0 
c000000000-c004000000 rw-p 00000000 00:00 0 
7f0000000000-7f0000021000 r--s 00000000 fe:00 42                         /bin/bosun
7ffd1000-7ffd3000 r-xp 00000000 00:00 0                                  [vdso]
`

func TestParseMapsAndTrimmable(t *testing.T) {
	maps, err := parseMaps(strings.NewReader(mapsSample))
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 7 {
		t.Fatalf("parsed %d mappings, want 7", len(maps))
	}
	got := trimmable(maps, "/bin/bosun")
	// Text and read-only data only: never the writable data, the
	// anonymous heap, a shared mapping or the vdso.
	want := []mapping{
		{start: 0x400000, end: 0x27ee000, perms: "r-xp", path: "/bin/bosun"},
		{start: 0x27ee000, end: 0x512f000, perms: "r--p", path: "/bin/bosun"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("trimmable = %+v, want %+v", got, want)
	}
}

func TestParseMapsRejectsGarbage(t *testing.T) {
	if _, err := parseMaps(strings.NewReader("zz-yy r-xp 0 0 0 /x\n")); err == nil {
		t.Fatal("parseMaps accepted a bad address")
	}
}

func TestChunkAdviceAlternates(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    mapping
		want [][2]uintptr
	}{
		{"aligned", mapping{start: 0x400000, end: 0x400000 + 5*textChunk}, [][2]uintptr{
			{0x400000, 0x400000 + textChunk},
			{0x400000 + 2*textChunk, 0x400000 + 3*textChunk},
			{0x400000 + 4*textChunk, 0x400000 + 5*textChunk},
		}},
		{"unaligned ends", mapping{start: 0x401000, end: 0x400000 + 2*textChunk + 0x1000}, [][2]uintptr{
			{0x401000, 0x400000 + textChunk},
			{0x400000 + 2*textChunk, 0x400000 + 2*textChunk + 0x1000},
		}},
		// The pieces of a split mapping keep their parity.
		{"odd piece", mapping{start: 0x400000 + textChunk, end: 0x400000 + 2*textChunk}, nil},
		{"even piece", mapping{start: 0x400000 + 2*textChunk, end: 0x400000 + 3*textChunk}, [][2]uintptr{
			{0x400000 + 2*textChunk, 0x400000 + 3*textChunk},
		}},
	} {
		if got := chunkAdvice(tc.m); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: chunkAdvice = %x, want %x", tc.name, got, tc.want)
		}
	}
}

// rodataSample lives in the executable's read-only data.
const rodataSample = "the bytes of a read-only mapping are the same after their pages are dropped"

// TestTrimTextKeepsContents drops the test binary's own read-only pages and
// checks that code and read-only data read the same afterwards and that the
// mappings were split.
func TestTrimTextKeepsContents(t *testing.T) {
	before := sha256.Sum256(unsafe.Slice(unsafe.StringData(rodataSample), len(rodataSample)))
	vmasBefore := countExeMappings(t)
	n, err := trimText()
	if err != nil {
		t.Fatalf("trimText: %v", err)
	}
	if n == 0 {
		t.Fatal("trimText trimmed nothing")
	}
	after := sha256.Sum256(unsafe.Slice(unsafe.StringData(rodataSample), len(rodataSample)))
	if before != after {
		t.Fatal("read-only data changed after its pages were dropped")
	}
	if vmas := countExeMappings(t); vmas <= vmasBefore {
		t.Fatalf("executable mappings %d after trimming, %d before: not split", vmas, vmasBefore)
	}
	// Trimming twice is harmless: the agent's Run may be started again in
	// one process (tests, the server's own agent).
	vmas := countExeMappings(t)
	if _, err := trimText(); err != nil {
		t.Fatalf("second trimText: %v", err)
	}
	if again := countExeMappings(t); again != vmas {
		t.Fatalf("a second trim left %d executable mappings, the first %d", again, vmas)
	}
}

func countExeMappings(t *testing.T) int {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	maps, err := parseMaps(f)
	if err != nil {
		t.Fatal(err)
	}
	return len(trimmable(maps, exe))
}
