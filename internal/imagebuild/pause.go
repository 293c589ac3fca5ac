package imagebuild

import (
	"encoding/binary"
	"fmt"
)

// PauseImage is the sandbox image every pod starts first. Bosun builds it
// (Pause) and imports it into the runtime; it is never pulled.
const PauseImage = "bosun.dev/pause:3.10"

// Linux ABI numbers the pause program uses; identical on amd64 and arm64
// except the system call numbers.
const (
	sigINT  = 2
	sigTERM = 15
	sigCHLD = 17

	sigIgn      = 1
	saNoCldWait = 0x2
	saRestorer  = 0x04000000

	// The kernel's struct sigaction on both architectures: handler, flags,
	// restorer, then a 64-bit mask.
	sigactionSize = 32
	sigsetSize    = 8
)

// PauseBinary returns the pause program for arch ("amd64" or "arm64"): a
// static executable that
//   - sets SIGCHLD to SIG_IGN with SA_NOCLDWAIT, so the kernel reaps every
//     child re-parented to it when it is PID 1 of a shared PID namespace;
//   - exits 0 on SIGTERM and SIGINT through a handler (as PID 1 a signal
//     without a handler would be ignored, and `kill` should still work);
//   - otherwise sleeps in pause(2) (ppoll(2) on arm64, which has no pause)
//     forever.
//
// The data (two struct sigaction) sits right after the ELF headers and the
// code after it, so the handler's absolute address is known when the data is
// written.
func PauseBinary(arch string) ([]byte, error) {
	actIgn := uint64(loadAddr + headerSize)
	actExit := actIgn + sigactionSize
	codeAddr := actExit + sigactionSize

	var machine uint16
	var code []byte
	var exitOff int
	switch arch {
	case "amd64":
		machine = emX86_64
		code, exitOff = pauseAMD64(actIgn, actExit)
	case "arm64":
		machine = emAArch64
		code, exitOff = pauseARM64(actIgn, actExit, codeAddr)
	default:
		return nil, fmt.Errorf("build pause program: unsupported architecture %q", arch)
	}
	exitAddr := codeAddr + uint64(exitOff)

	body := sigaction(nil, sigIgn, saNoCldWait, 0)
	// The restorer is never reached (the handler exits) but x86-64 refuses
	// to deliver a signal to a handler without SA_RESTORER.
	body = sigaction(body, exitAddr, saRestorer, exitAddr)
	body = append(body, code...)
	return elfExecutable(machine, body, codeAddr), nil
}

func sigaction(b []byte, handler, flags, restorer uint64) []byte {
	le := binary.LittleEndian
	b = le.AppendUint64(b, handler)
	b = le.AppendUint64(b, flags)
	b = le.AppendUint64(b, restorer)
	return le.AppendUint64(b, 0) // sa_mask: block nothing extra
}

// pauseAMD64 assembles the program for x86-64 and returns the code and the
// offset of the exit handler in it.
func pauseAMD64(actIgn, actExit uint64) ([]byte, int) {
	const sysRtSigaction, sysPause, sysExitGroup = 13, 34, 231
	le := binary.LittleEndian
	var b []byte
	for _, s := range []struct {
		sig uint32
		act uint64
	}{{sigCHLD, actIgn}, {sigTERM, actExit}, {sigINT, actExit}} {
		b = le.AppendUint32(append(b, 0xbf), s.sig)            // mov edi, sig
		b = le.AppendUint32(append(b, 0xbe), uint32(s.act))    // mov esi, act (below 4 GiB)
		b = append(b, 0x31, 0xd2)                              // xor edx, edx: no old action
		b = le.AppendUint32(append(b, 0x41, 0xba), sigsetSize) // mov r10d, sizeof(sigset_t)
		b = le.AppendUint32(append(b, 0xb8), sysRtSigaction)   // mov eax, rt_sigaction
		b = append(b, 0x0f, 0x05)                              // syscall
	}
	b = le.AppendUint32(append(b, 0xb8), sysPause) // loop: mov eax, pause
	b = append(b, 0x0f, 0x05)                      // syscall
	b = append(b, 0xeb, 0xf7)                      // jmp loop (-9 bytes)

	exit := len(b)
	b = append(b, 0x31, 0xff)                          // xor edi, edi: status 0
	b = le.AppendUint32(append(b, 0xb8), sysExitGroup) // mov eax, exit_group
	b = append(b, 0x0f, 0x05)                          // syscall
	return b, exit
}

// pauseARM64 assembles the program for AArch64 (code loaded at codeAddr)
// and returns the code and the offset of the exit handler in it.
func pauseARM64(actIgn, actExit, codeAddr uint64) ([]byte, int) {
	const sysPpoll, sysExitGroup, sysRtSigaction = 73, 94, 134
	var ins []uint32
	movz := func(reg, imm uint32) { ins = append(ins, 0xd2800000|imm<<5|reg) }
	svc := func() { ins = append(ins, 0xd4000001) }
	adr := func(reg uint32, target uint64) {
		rel := uint32(int64(target) - int64(codeAddr) - int64(4*len(ins)))
		ins = append(ins, 0x10000000|(rel&3)<<29|(rel>>2&0x7ffff)<<5|reg)
	}
	for _, s := range []struct {
		sig uint32
		act uint64
	}{{sigCHLD, actIgn}, {sigTERM, actExit}, {sigINT, actExit}} {
		movz(0, s.sig)
		adr(1, s.act)
		movz(2, 0) // no old action
		movz(3, sigsetSize)
		movz(8, sysRtSigaction)
		svc()
	}
	loop := len(ins)
	for reg := uint32(0); reg <= 4; reg++ {
		movz(reg, 0) // ppoll(NULL, 0, NULL, NULL, 0): wait for a signal forever
	}
	movz(8, sysPpoll)
	svc()
	ins = append(ins, 0x14000000|uint32(loop-len(ins))&0x3ffffff) // b loop

	exit := 4 * len(ins)
	movz(0, 0) // status 0
	movz(8, sysExitGroup)
	svc()

	b := make([]byte, 0, 4*len(ins))
	for _, i := range ins {
		b = binary.LittleEndian.AppendUint32(b, i)
	}
	return b, exit
}
