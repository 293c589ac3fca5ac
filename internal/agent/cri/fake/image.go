package fake

import (
	"context"
	"slices"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// imageSize is what every fake image weighs, so pull events have a size.
const imageSize = 1 << 20

// AddImage makes ref present, as if pulled or imported.
func (r *Runtime) AddImage(ref string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.images[ref] = &runtimeapi.Image{Id: "sha256:" + ref, RepoTags: []string{ref}, Size: imageSize}
}

// SetPullable makes PullImage of ref succeed (it adds the image); other
// refs fail as a registry without them would.
func (r *Runtime) SetPullable(ref string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pullable == nil {
		r.pullable = map[string]bool{}
	}
	r.pullable[ref] = true
}

// ListImages lists present images.
func (r *Runtime) ListImages(context.Context, *runtimeapi.ListImagesRequest, ...grpc.CallOption) (*runtimeapi.ListImagesResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("ListImages"); err != nil {
		return nil, err
	}
	out := make([]*runtimeapi.Image, 0, len(r.images))
	for _, img := range r.images {
		out = append(out, img)
	}
	slices.SortFunc(out, func(a, b *runtimeapi.Image) int {
		if a.Id < b.Id {
			return -1
		}
		return 1
	})
	return &runtimeapi.ListImagesResponse{Images: out}, nil
}

// ImageStatus returns the image, or an empty response when absent (as CRI does).
func (r *Runtime) ImageStatus(_ context.Context, in *runtimeapi.ImageStatusRequest, _ ...grpc.CallOption) (*runtimeapi.ImageStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("ImageStatus"); err != nil {
		return nil, err
	}
	return &runtimeapi.ImageStatusResponse{Image: r.images[in.GetImage().GetImage()]}, nil
}

// PullImage succeeds for present or pullable images.
func (r *Runtime) PullImage(_ context.Context, in *runtimeapi.PullImageRequest, _ ...grpc.CallOption) (*runtimeapi.PullImageResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("PullImage"); err != nil {
		return nil, err
	}
	ref := in.GetImage().GetImage()
	if _, ok := r.images[ref]; !ok && !r.pullable[ref] {
		return nil, status.Errorf(codes.NotFound, "failed to pull and unpack image %q: failed to resolve reference %q: %q: not found", ref, ref, ref)
	}
	r.images[ref] = &runtimeapi.Image{Id: "sha256:" + ref, RepoTags: []string{ref}, Size: imageSize}
	return &runtimeapi.PullImageResponse{ImageRef: "sha256:" + ref}, nil
}

// RemoveImage removes an image; absent is not an error.
func (r *Runtime) RemoveImage(_ context.Context, in *runtimeapi.RemoveImageRequest, _ ...grpc.CallOption) (*runtimeapi.RemoveImageResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("RemoveImage"); err != nil {
		return nil, err
	}
	delete(r.images, in.GetImage().GetImage())
	return &runtimeapi.RemoveImageResponse{}, nil
}

// ImageFsInfo reports an empty image filesystem.
func (r *Runtime) ImageFsInfo(context.Context, *runtimeapi.ImageFsInfoRequest, ...grpc.CallOption) (*runtimeapi.ImageFsInfoResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.begin("ImageFsInfo"); err != nil {
		return nil, err
	}
	return &runtimeapi.ImageFsInfoResponse{}, nil
}
