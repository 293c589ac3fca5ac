package imagebuild

import "encoding/binary"

// The pause program is one ELF64 executable with a single loadable segment
// mapped at loadAddr, holding the headers, the data and the code, so every
// address is known before the code is assembled.
const (
	loadAddr   = 0x400000
	ehdrSize   = 64
	phdrSize   = 56
	headerSize = ehdrSize + phdrSize

	emX86_64  = 62
	emAArch64 = 183
)

// elfExecutable wraps body (placed right after the headers) into a static
// ET_EXEC image starting at entry. The segment is read+execute only: the
// program never writes memory, and W^X keeps it that way.
func elfExecutable(machine uint16, body []byte, entry uint64) []byte {
	size := uint64(headerSize + len(body))
	b := make([]byte, 0, size)
	le := binary.LittleEndian

	// ELF identification: 64-bit, little endian, version 1, System V ABI.
	b = append(b, 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	b = le.AppendUint16(b, 2) // e_type: ET_EXEC
	b = le.AppendUint16(b, machine)
	b = le.AppendUint32(b, 1) // e_version
	b = le.AppendUint64(b, entry)
	b = le.AppendUint64(b, ehdrSize) // e_phoff: program header follows
	b = le.AppendUint64(b, 0)        // e_shoff: no section headers
	b = le.AppendUint32(b, 0)        // e_flags
	b = le.AppendUint16(b, ehdrSize)
	b = le.AppendUint16(b, phdrSize)
	b = le.AppendUint16(b, 1) // e_phnum
	b = le.AppendUint16(b, 64)
	b = le.AppendUint16(b, 0) // e_shnum
	b = le.AppendUint16(b, 0) // e_shstrndx

	b = le.AppendUint32(b, 1) // p_type: PT_LOAD
	b = le.AppendUint32(b, 5) // p_flags: PF_R|PF_X
	b = le.AppendUint64(b, 0) // p_offset
	b = le.AppendUint64(b, loadAddr)
	b = le.AppendUint64(b, loadAddr)
	b = le.AppendUint64(b, size) // p_filesz
	b = le.AppendUint64(b, size) // p_memsz
	b = le.AppendUint64(b, 0x1000)

	return append(b, body...)
}
