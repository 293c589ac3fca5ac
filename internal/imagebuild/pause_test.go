package imagebuild

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPauseBinaryIsStaticELF(t *testing.T) {
	for _, tc := range []struct {
		arch    string
		machine elf.Machine
	}{{"amd64", elf.EM_X86_64}, {"arm64", elf.EM_AARCH64}} {
		t.Run(tc.arch, func(t *testing.T) {
			bin, err := PauseBinary(tc.arch)
			if err != nil {
				t.Fatal(err)
			}
			f, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatalf("not an ELF file: %v", err)
			}
			if f.Machine != tc.machine || f.Type != elf.ET_EXEC || f.Class != elf.ELFCLASS64 {
				t.Errorf("header = %v %v %v", f.Machine, f.Type, f.Class)
			}
			if len(f.Progs) != 1 || f.Progs[0].Type != elf.PT_LOAD || f.Progs[0].Flags != elf.PF_R|elf.PF_X {
				t.Fatalf("want one R+X PT_LOAD segment, got %+v", f.Progs)
			}
			p := f.Progs[0]
			if f.Entry < p.Vaddr+headerSize || f.Entry >= p.Vaddr+p.Memsz || p.Filesz != uint64(len(bin)) {
				t.Errorf("entry %#x outside segment %#x+%d (file %d bytes)", f.Entry, p.Vaddr, p.Memsz, len(bin))
			}
			if len(bin) > 512 {
				t.Errorf("pause program is %d bytes; it should stay tiny", len(bin))
			}
		})
	}
	if _, err := PauseBinary("mips"); err == nil {
		t.Error("want an error for an unsupported architecture")
	}
}

// TestPauseBinaryRuns starts the program for this machine and checks its
// signal dispositions in /proc and that SIGTERM and SIGINT end it with 0.
func TestPauseBinaryRuns(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("no pause program for %s", runtime.GOARCH)
	}
	bin, err := PauseBinary(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(path)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start pause: %v", err)
		}
		ign, cgt := waitDispositions(t, cmd.Process.Pid)
		if ign&(1<<(sigCHLD-1)) == 0 {
			t.Errorf("SIGCHLD not ignored: SigIgn=%#x", ign)
		}
		if want := uint64(1<<(sigTERM-1) | 1<<(sigINT-1)); cgt != want {
			t.Errorf("SigCgt = %#x, want %#x", cgt, want)
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("after %v: %v, want exit status 0", sig, err)
		}
	}
}

// waitDispositions polls /proc until the program has installed its
// handlers (it does so before its first pause) and returns SigIgn, SigCgt.
func waitDispositions(t *testing.T, pid int) (ign, cgt uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			k, v, _ := strings.Cut(line, ":\t")
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			switch k {
			case "SigIgn":
				ign = n
			case "SigCgt":
				cgt = n
			}
		}
		if cgt != 0 || time.Now().After(deadline) {
			return ign, cgt
		}
		time.Sleep(10 * time.Millisecond)
	}
}
