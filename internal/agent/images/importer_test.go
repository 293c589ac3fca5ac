package images

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"slices"
	"testing"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/bosun-dev/bosun/internal/agent/cri/fake"
	"github.com/bosun-dev/bosun/internal/imagebuild"
)

func TestImportedRefs(t *testing.T) {
	out := "unpacking bosun.dev/pause:3.10 (sha256:0123)...done\n" +
		"unpacking docker.io/library/busybox:1.35 (sha256:4567)...done\nsomething else\n"
	if got := importedRefs(out); !slices.Equal(got, []string{"bosun.dev/pause:3.10", "docker.io/library/busybox:1.35"}) {
		t.Errorf("importedRefs = %v", got)
	}
}

// pauseRuntime is the fake runtime that reports the ID the importer gave
// the pause image (the fake's own IDs are made up).
type pauseRuntime struct {
	*fake.Runtime
	pauseID string
}

func (p *pauseRuntime) ImageStatus(ctx context.Context, in *runtimeapi.ImageStatusRequest, opts ...grpc.CallOption) (*runtimeapi.ImageStatusResponse, error) {
	if in.GetImage().GetImage() == PauseImage && p.pauseID != "" {
		return &runtimeapi.ImageStatusResponse{Image: &runtimeapi.Image{Id: p.pauseID, RepoTags: []string{PauseImage}}}, nil
	}
	return p.Runtime.ImageStatus(ctx, in, opts...)
}

type importFunc func(ctx context.Context, r io.Reader) ([]string, error)

func (f importFunc) Import(ctx context.Context, r io.Reader) ([]string, error) { return f(ctx, r) }

func TestEnsurePause(t *testing.T) {
	img, _ := imagebuild.Pause(runtime.GOARCH)
	want, _ := img.ConfigName()
	rt := &pauseRuntime{Runtime: fake.New(), pauseID: "sha256:old"}
	imports := 0
	importer := importFunc(func(_ context.Context, r io.Reader) ([]string, error) {
		b, _ := io.ReadAll(r)
		if !bytes.Contains(b, []byte("manifest.json")) {
			t.Error("import is not a docker archive")
		}
		imports++
		rt.pauseID = want.String()
		return []string{PauseImage}, nil
	})
	for range 2 {
		if err := EnsurePause(context.Background(), rt, importer); err != nil {
			t.Fatal(err)
		}
	}
	if imports != 1 {
		t.Errorf("imported %d times; want once (an old image replaced, a current one kept)", imports)
	}
}

func TestList(t *testing.T) {
	rt := fake.New()
	for _, ref := range []string{"z:1", "a:1", "m:1"} {
		rt.AddImage(ref)
	}
	list, err := List(context.Background(), rt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, img := range list {
		got = append(got, img.RepoTags[0])
	}
	if !slices.Equal(got, []string{"a:1", "m:1", "z:1"}) {
		t.Errorf("List = %v", got)
	}
}
