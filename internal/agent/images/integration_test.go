package images

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gcrv1 "github.com/google/go-containerregistry/pkg/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"

	"github.com/bosun-dev/bosun/internal/agent/containerd"
	"github.com/bosun-dev/bosun/internal/agent/cri"
	"github.com/bosun-dev/bosun/internal/imagebuild"
	"github.com/bosun-dev/bosun/internal/imagebuild/registrytest"
)

// startContainerd runs the agent's containerd for a fresh data dir, with
// registry served over plain HTTP, and purges it when the test ends.
func startContainerd(t *testing.T, registry string) (*cri.Client, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: needs root to run containerd (CI runs as root)")
	}
	for _, bin := range []string{"containerd", "ctr"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not installed (apt-get install containerd): %v", bin, err)
		}
	}
	cfg := containerd.Config{DataDir: t.TempDir(), SandboxImage: PauseImage, InsecureRegistries: []string{registry}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := containerd.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cri.Dial(ctx, p.Endpoint(), 10*time.Second)
	if err != nil {
		p.Stop()
		containerd.Purge(ctx, nil, cfg.DataDir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := containerd.Purge(ctx, c.Runtime, cfg.DataDir); err != nil {
			t.Errorf("purge containerd: %v", err)
		}
		c.Close()
		if err := p.Stop(); err != nil {
			t.Errorf("stop containerd: %v", err)
		}
	})
	return c, p.Endpoint()
}

// TestIntegrationImagesThroughContainerd imports the pause image and
// busybox (docker and OCI archives) with ctr, pulls busybox from a local
// docker-registry through CRI, and runs a pod from the imported images.
func TestIntegrationImagesThroughContainerd(t *testing.T) {
	// runc on cgroup v1 fails to start a sandbox without a cgroup parent
	// (the agent always gives its pod cgroup). Registered first so that it
	// runs after containerd's purge removed the containers.
	cgroup := fmt.Sprintf("/bosun-images-test-%d", os.Getpid())
	t.Cleanup(func() { removeCgroups(t, cgroup) })
	host := registrytest.Start(t)
	c, endpoint := startContainerd(t, host)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	importer := CtrImporter{Address: endpoint}

	if err := EnsurePause(ctx, c.Images, importer); err != nil {
		t.Fatalf("ensure pause: %v", err)
	}
	if err := EnsurePause(ctx, c.Images, importer); err != nil {
		t.Fatalf("ensure pause again: %v", err)
	}

	bb, err := imagebuild.Busybox("/usr/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	var docker, oci bytes.Buffer
	if err := imagebuild.WriteDockerArchive(&docker, map[string]gcrv1.Image{"bosun.test/busybox:docker": bb}); err != nil {
		t.Fatal(err)
	}
	if err := imagebuild.WriteOCIArchive(&oci, map[string]gcrv1.Image{"bosun.test/busybox:oci": bb}); err != nil {
		t.Fatal(err)
	}
	for archive, want := range map[*bytes.Buffer]string{&docker: "bosun.test/busybox:docker", &oci: "bosun.test/busybox:oci"} {
		refs, err := Import(ctx, endpoint, archive)
		if err != nil {
			t.Fatalf("import %s: %v", want, err)
		}
		if len(refs) != 1 || refs[0] != want {
			t.Errorf("imported %v, want [%s]", refs, want)
		}
	}

	pushed := host + "/bosun/busybox:" + imagebuild.BusyboxVersion
	if err := imagebuild.Push(ctx, pushed, bb); err != nil {
		t.Fatal(err)
	}
	rec := record.NewFakeRecorder(10)
	m := NewManager(c.Images, rec, clock.RealClock{})
	pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "uid-1"},
		Spec: v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: pushed, ImagePullPolicy: v1.PullIfNotPresent}}}}
	ref, err := m.EnsureImage(ctx, pod, &pod.Spec.Containers[0], nil, nil)
	if err != nil {
		t.Fatalf("pull from %s: %v", host, err)
	}
	want, _ := bb.ConfigName()
	if ref != want.String() {
		t.Errorf("image ref %s, want %s", ref, want)
	}
	if e := <-rec.Events; !strings.HasPrefix(e, "Normal Pulling") {
		t.Errorf("first event %q", e)
	}
	if e := <-rec.Events; !strings.Contains(e, "Successfully pulled image") {
		t.Errorf("second event %q", e)
	}

	list, err := List(ctx, c.Images)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, img := range list {
		names = append(names, img.RepoTags...)
	}
	for _, n := range []string{"bosun.dev/pause:3.10", "bosun.test/busybox:docker", "bosun.test/busybox:oci", pushed} {
		if !strings.Contains(strings.Join(names, " "), n) {
			t.Errorf("list %v lacks %s", names, n)
		}
	}

	runPod(t, ctx, c, cgroup, "bosun.test/busybox:docker")
}

// runPod starts a host-network sandbox (the pause image) with one busybox
// container and waits for it to exit 0: proof that imported images are
// unpacked where CRI looks for them.
func runPod(t *testing.T, ctx context.Context, c *cri.Client, cgroup, image string) {
	t.Helper()
	logDir := t.TempDir()
	sandbox := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "images-test", Namespace: "default", Uid: "images-test-uid"},
		LogDirectory: logDir,
		Linux: &runtimeapi.LinuxPodSandboxConfig{CgroupParent: cgroup, SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
			NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE},
		}},
	}
	sb, err := c.Runtime.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: sandbox})
	if err != nil {
		t.Fatalf("run sandbox: %v", err)
	}
	ctr, err := c.Runtime.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId: sb.PodSandboxId, SandboxConfig: sandbox,
		Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: "bb"},
			Image:    &runtimeapi.ImageSpec{Image: image},
			Command:  []string{"sh", "-c", "echo hello from $(uname -s)"},
			LogPath:  "bb.log",
		},
	})
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	if _, err := c.Runtime.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: ctr.ContainerId}); err != nil {
		t.Fatalf("start container: %v", err)
	}
	for {
		st, err := c.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: ctr.ContainerId})
		if err != nil {
			t.Fatal(err)
		}
		if st.Status.State == runtimeapi.ContainerState_CONTAINER_EXITED {
			log, _ := os.ReadFile(filepath.Join(logDir, "bb.log"))
			if st.Status.ExitCode != 0 || !strings.Contains(string(log), "hello from Linux") {
				t.Errorf("container exited %d, log %q", st.Status.ExitCode, log)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("container still %v: %v", st.Status.State, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// removeCgroups removes the cgroup dirs named cgroup in every hierarchy,
// deepest first; runs after containerd's purge removed the containers.
func removeCgroups(t *testing.T, cgroup string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", cgroup))
	for _, d := range dirs {
		var all []string
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		for i := len(all) - 1; i >= 0; i-- {
			if err := os.Remove(all[i]); err != nil && !os.IsNotExist(err) {
				t.Errorf("remove cgroup: %v", err)
			}
		}
	}
}
