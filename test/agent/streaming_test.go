package agent_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	ggcrv1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bosun-dev/bosun/internal/imagebuild"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestStreaming drives logs, exec, attach and port-forward through the real
// kubectl, and bosun images import/list against the agent's containerd.
func TestStreaming(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Agent: true})
	image := env.Busybox(t)
	bosun := buildBosun(t)
	imported := testImagesCommand(t, env, bosun)

	pod := sleeper("streams", image)
	pod.Spec.Containers = []v1.Container{
		{Name: "c", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c",
			"echo line-1; echo line-2; echo line-3; trap 'exit 0' TERM; " +
				"while true; do if [ -f /tmp/go ]; then echo appended; rm /tmp/go; fi; sleep 0.1; done"}},
		{Name: "d", Image: imported, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c",
			"echo from-d; trap 'exit 0' TERM; sleep 3600 & wait"}},
		// r fails once, so its previous attempt's log is kept.
		{Name: "r", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c",
			"if [ -f /d/ran ]; then echo second; trap 'exit 0' TERM; sleep 3600 & wait; exit 0; fi; touch /d/ran; echo first; exit 1"},
			VolumeMounts: []v1.VolumeMount{{Name: "d", MountPath: "/d"}}},
		// A line longer than containerd's 16 KiB log buffer is written as
		// partial entries, which logs joins back.
		{Name: "long", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c",
			"head -c 40000 /dev/zero | tr '\\0' x; echo; echo short; trap 'exit 0' TERM; sleep 3600 & wait"}},
		{Name: "web", Image: image, ImagePullPolicy: v1.PullIfNotPresent, Command: []string{"sh", "-c",
			"mkdir /www && echo forwarded > /www/index.html && exec httpd -f -p 8080 -h /www"}},
	}
	pod.Spec.InitContainers = []v1.Container{{Name: "init", Image: image, ImagePullPolicy: v1.PullIfNotPresent,
		Command: []string{"sh", "-c", "echo init-done"}}}
	pod.Spec.Volumes = []v1.Volume{{Name: "d", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}}}
	attach := sleeper("attach", image)
	attach.Spec.RestartPolicy = v1.RestartPolicyNever
	attach.Spec.Containers[0].Command = []string{"sh", "-c", "while read l; do echo got-$l; done"}
	attach.Spec.Containers[0].Stdin, attach.Spec.Containers[0].StdinOnce = true, true
	runReady(t, env, pod, attach)
	logs := func(args ...string) string {
		t.Helper()
		return kubectl(t, env, append([]string{"logs", "streams"}, args...)...)
	}

	t.Run("logs", func(t *testing.T) {
		if out := logs("-c", "c"); out != "line-1\nline-2\nline-3\n" {
			t.Errorf("logs: %q", out)
		}
		if out := logs("-c", "c", "--tail=1"); out != "line-3\n" {
			t.Errorf("logs --tail=1: %q", out)
		}
		if out := logs("-c", "c", "--limit-bytes=8"); out != "line-1\nl" {
			t.Errorf("logs --limit-bytes=8: %q", out)
		}
		if out := logs("-c", "long"); out != strings.Repeat("x", 40000)+"\nshort\n" {
			t.Errorf("logs of a 40000-byte line: %d bytes, %d lines", len(out), strings.Count(out, "\n"))
		}
		if out := logs("-c", "long", "--tail=2", "--timestamps"); strings.Count(out, "\n") != 2 || !strings.HasSuffix(out, " short\n") || len(out) < 40000 {
			t.Errorf("logs --tail=2 --timestamps of a long line: %d bytes, %d lines", len(out), strings.Count(out, "\n"))
		}
		if out := logs("-c", "init"); out != "init-done\n" {
			t.Errorf("logs -c init: %q", out)
		}
		if out := logs("-c", "d"); out != "from-d\n" {
			t.Errorf("logs -c d: %q", out)
		}
		ts := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line-\d$`)
		for _, line := range strings.Split(strings.TrimSpace(logs("-c", "c", "--timestamps")), "\n") {
			if !ts.MatchString(line) {
				t.Errorf("logs --timestamps line %q is not an RFC3339Nano time and the line", line)
			}
		}
		if out := logs("-c", "c", "--since=1h"); out != "line-1\nline-2\nline-3\n" {
			t.Errorf("logs --since=1h: %q", out)
		}
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		if out := logs("-c", "c", "--since-time="+future); out != "" {
			t.Errorf("logs --since-time in the future: %q", out)
		}
		if out := logs("-c", "r", "--previous"); out != "first\n" {
			t.Errorf("logs --previous: %q", out)
		}
		if out := logs("-c", "r"); out != "second\n" {
			t.Errorf("logs of the restarted container: %q", out)
		}
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"-c", "c", "--previous"}, `Error from server (BadRequest): previous terminated container "c" in pod "streams" not found`},
			{[]string{"-c", "nosuch"}, `error: container nosuch is not valid for pod streams`},
		} {
			_, errOut, err := kubectlRun(env, nil, append([]string{"logs", "streams"}, tc.args...)...)
			if err == nil || strings.TrimSpace(errOut) != tc.want {
				t.Errorf("logs %v: %v, stderr %q; want %q", tc.args, err, errOut, tc.want)
			}
		}
		// kubectl checks container names itself; the API server's answer.
		_, err := env.Client.CoreV1().Pods("default").GetLogs("streams", &v1.PodLogOptions{Container: "nosuch"}).Stream(context.Background())
		if !apierrors.IsBadRequest(err) || err.Error() != "container nosuch is not valid for pod streams" {
			t.Errorf("pods/log of a container not in the pod: %v", err)
		}
	})
	t.Run("follow", func(t *testing.T) {
		lines := kubectlLines(t, env, "logs", "-f", "streams", "-c", "c")
		for _, want := range []string{"line-1", "line-2", "line-3"} {
			if got := nextLine(lines, 10*time.Second); got != want {
				t.Fatalf("logs -f: %q, want %q", got, want)
			}
		}
		kubectl(t, env, "exec", "streams", "-c", "c", "--", "touch", "/tmp/go")
		if got := nextLine(lines, 5*time.Second); got != "appended" {
			t.Errorf("logs -f: line written after the follow began: %q", got)
		}
	})
	t.Run("exec", func(t *testing.T) {
		out, _, err := kubectlRun(env, []byte("through stdin\n"), "exec", "-i", "streams", "-c", "c", "--", "cat")
		if err != nil || out != "through stdin\n" {
			t.Errorf("exec -i cat: %q, %v", out, err)
		}
		out, errOut, err := kubectlRun(env, nil, "exec", "streams", "-c", "c", "--", "sh", "-c", "echo out; echo err >&2")
		if err != nil || out != "out\n" || errOut != "err\n" {
			t.Errorf("exec stdout %q stderr %q err %v, want them apart", out, errOut, err)
		}
		_, _, err = kubectlRun(env, nil, "exec", "streams", "-c", "c", "--", "sh", "-c", "exit 7")
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 7 {
			t.Errorf("exec of a command exiting 7: kubectl returned %v", err)
		}
		// kubectl sends the window size once the stream is up, so the
		// process may see a 0x0 terminal at first, as with kubelet.
		script := `tty; for i in 1 2 3 4 5 6 7 8 9 10; do s=$(stty size 2>/dev/null); [ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.2; done; echo "size $s"`
		if out := kubectlTTY(t, env, "exec", "-it", "streams", "-c", "c", "--", "sh", "-c", script); !regexp.MustCompile(`^/dev/pts/\d+\r?\nsize 24 80\r?\n$`).MatchString(out) {
			t.Errorf("exec -it: %q, want a pts sized as kubectl's terminal (24x80)", out)
		}
	})
	t.Run("cp", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "in.txt")
		if err := os.WriteFile(src, []byte("copied\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		kubectl(t, env, "cp", src, "streams:/tmp/in.txt", "-c", "c")
		dst := filepath.Join(t.TempDir(), "out.txt")
		kubectl(t, env, "cp", "streams:/tmp/in.txt", dst, "-c", "c")
		if b, err := os.ReadFile(dst); err != nil || string(b) != "copied\n" {
			t.Errorf("kubectl cp there and back: %q, %v", b, err)
		}
	})
	t.Run("attach", func(t *testing.T) {
		out, errOut, err := kubectlRun(env, []byte("hello\n"), "attach", "-i", "attach", "-c", "c")
		if err != nil || !strings.Contains(out, "got-hello") {
			t.Errorf("attach -i: %q, %v (stderr %q)", out, err, errOut)
		}
	})
	t.Run("portForward", func(t *testing.T) {
		lines := kubectlLines(t, env, "port-forward", "pod/streams", ":8080")
		line := nextLine(lines, 10*time.Second)
		m := regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> 8080`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("port-forward said %q", line)
		}
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://127.0.0.1:" + m[1] + "/")
		if err != nil {
			t.Fatalf("through port-forward: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "forwarded\n" {
			t.Errorf("through port-forward: %q", body)
		}
	})
}

// testImagesCommand imports an image tarball with `bosun images import`,
// checks `bosun images list` shows it, and returns its reference.
func testImagesCommand(t *testing.T, env *testenv.Env, bosun string) string {
	t.Helper()
	const ref = "bosun.dev/imported:v1"
	img, err := imagebuild.Busybox("/usr/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	// One docker save archive and one OCI layout, as users bring both.
	dir := t.TempDir()
	archives := map[string]func(io.Writer, map[string]ggcrv1.Image) error{
		"docker.tar": imagebuild.WriteDockerArchive,
		"oci.tar":    imagebuild.WriteOCIArchive,
	}
	refs := map[string]string{"docker.tar": ref, "oci.tar": "bosun.dev/imported-oci:v2"}
	var files []string
	for name, write := range archives {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := write(f, map[string]ggcrv1.Image{refs[name]: img}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		files = append(files, f.Name())
	}
	args := append([]string{"images", "import", "--data-dir", env.AgentDataDir}, files...)
	if out, err := exec.Command(bosun, args...).CombinedOutput(); err != nil {
		t.Fatalf("bosun images import: %v\n%s", err, out)
	}
	out, err := exec.Command(bosun, "images", "list", "--data-dir", env.AgentDataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("bosun images list: %v\n%s", err, out)
	}
	for _, re := range []string{`(?m)^bosun\.dev/imported\s+v1\s+\S+\s+\S+`, `(?m)^bosun\.dev/imported-oci\s+v2\s+\S+\s+\S+`} {
		if !regexp.MustCompile(re).Match(out) {
			t.Errorf("bosun images list does not match %s:\n%s", re, out)
		}
	}
	return ref
}

// buildBosun builds the bosun binary for commands the test runs.
func buildBosun(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bosun")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/bosun-dev/bosun/cmd/bosun")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build bosun: %v\n%s", err, out)
	}
	return bin
}

// nextLine waits for the next line, returning "" on timeout or end.
func nextLine(lines <-chan string, timeout time.Duration) string {
	select {
	case l := <-lines:
		return l
	case <-time.After(timeout):
		return ""
	}
}

// kubectlTTY runs kubectl on a new pseudo-terminal, as a user's shell would,
// and returns what it wrote to the terminal.
func kubectlTTY(t *testing.T, env *testenv.Env, args ...string) string {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Fatalf("open a pty: %v", err)
	}
	defer master.Close()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", env.Kubeconfig}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatal(err)
	}
	slave.Close()
	done := make(chan string)
	go func() {
		// Reading the master ends with EIO once kubectl, the last holder of
		// the slave, exits.
		b, _ := io.ReadAll(master)
		done <- string(b)
	}()
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Errorf("kubectl %s: %v", strings.Join(args, " "), err)
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("kubectl %s did not finish", strings.Join(args, " "))
	}
	return <-done
}

// openPTY opens a pseudo-terminal pair with a 24x80 window.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		master.Close()
		slave.Close()
		return nil, nil, fmt.Errorf("pty size: %w", err)
	}
	return master, slave, nil
}

// kubectlLines runs kubectl in the background until the test ends and
// delivers its stdout line by line.
func kubectlLines(t *testing.T, env *testenv.Env, args ...string) <-chan string {
	t.Helper()
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", env.Kubeconfig}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 10)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	return lines
}
