// Package imagebuild makes the OCI images Bosun ships instead of pulling:
// the pod sandbox ("pause") image and a busybox image for tests and
// air-gapped clusters, and writes them as docker-archive tarballs or pushes
// them to a registry.
//
// The pause image holds a hand-assembled static ELF program (see pause.go)
// rather than a compiled one: nodes have no Go toolchain, embedding a
// prebuilt binary would put an opaque blob in the repository, and using the
// bosun binary itself as the entrypoint would make every sandbox image tens
// of megabytes. The program is about 300 bytes and its every instruction is
// spelled out and commented, so it can be reviewed like any other code.
//
// Images are deterministic: fixed timestamps, sorted entries and uniform
// ownership, so the same inputs always give the same image ID and a rebuilt
// pause image never looks new to the runtime.
package imagebuild
