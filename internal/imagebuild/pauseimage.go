package imagebuild

import v1 "github.com/google/go-containerregistry/pkg/v1"

// pauseUser is the unprivileged user the pause program runs as, as in
// Kubernetes' own pause image: it needs no privilege at all.
const pauseUser = "65535:65535"

// Pause builds the sandbox image for arch ("amd64" or "arm64"): /pause and
// nothing else. It is reproducible, so its ID is the same on every node.
func Pause(arch string) (v1.Image, error) {
	bin, err := PauseBinary(arch)
	if err != nil {
		return nil, err
	}
	return singleLayerImage(arch, []entry{file("pause", 0o755, bin)}, v1.Config{
		Entrypoint: []string{"/pause"},
		User:       pauseUser,
	})
}
