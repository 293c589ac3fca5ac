package agent_test

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

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/bosun-dev/bosun/internal/podstatus"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestContainerConfig checks what a container sees of its pod spec on real
// containerd: environment from every source kubelet supports, and resource
// limits in its own cgroup files, with the pod cgroup under the agent's root.
func TestContainerConfig(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Agent: true})
	image := env.Busybox(t)
	ctx := context.Background()
	core := env.Client.CoreV1()
	if _, err := core.ConfigMaps("default").Create(ctx, &v1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "cfg"},
		Data:       map[string]string{"color": "blue", "size": "9"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := core.Secrets("default").Create(ctx, &v1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "sec"},
		Data:       map[string][]byte{"password": []byte("hunter2")},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	yes := true
	pod := sleeper("envs", image)
	pod.Labels = map[string]string{"app": "envtest"}
	c := &pod.Spec.Containers[0]
	c.Resources = v1.ResourceRequirements{Limits: v1.ResourceList{
		v1.ResourceMemory: resource.MustParse("64Mi"),
		v1.ResourceCPU:    resource.MustParse("250m"),
	}}
	c.Env = []v1.EnvVar{
		{Name: "PLAIN", Value: "value"},
		{Name: "FROM_CM", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}, Key: "color"}}},
		{Name: "FROM_SECRET", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "sec"}, Key: "password"}}},
		{Name: "MISSING_CM", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "absent"}, Key: "x", Optional: &yes}}},
		{Name: "MISSING_KEY", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{
			LocalObjectReference: v1.LocalObjectReference{Name: "sec"}, Key: "nokey", Optional: &yes}}},
		{Name: "POD_NAME", ValueFrom: fieldRef("metadata.name")},
		{Name: "POD_NAMESPACE", ValueFrom: fieldRef("metadata.namespace")},
		{Name: "POD_UID", ValueFrom: fieldRef("metadata.uid")},
		{Name: "POD_APP", ValueFrom: fieldRef("metadata.labels['app']")},
		{Name: "POD_IP", ValueFrom: fieldRef("status.podIP")},
		{Name: "NODE_NAME", ValueFrom: fieldRef("spec.nodeName")},
		{Name: "MEM_MI", ValueFrom: &v1.EnvVarSource{ResourceFieldRef: &v1.ResourceFieldSelector{
			Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
		{Name: "EXPANDED", Value: "$(PLAIN)-$(POD_NAME)"},
	}
	c.EnvFrom = []v1.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &v1.ConfigMapEnvSource{
		LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}}}}
	more := sleeper("more", image)
	more.Spec.Containers[0].Env = []v1.EnvVar{
		{Name: "PLAIN", Value: "x"},
		{Name: "ESCAPED", Value: "$$(PLAIN)"},
		{Name: "UNKNOWN_REF", Value: "$(NOT_DEFINED)"},
		{Name: "HOST_IP", ValueFrom: fieldRef("status.hostIP")},
		{Name: "SA", ValueFrom: fieldRef("spec.serviceAccountName")},
		// No limits: kubelet reports the node's allocatable instead.
		{Name: "CPU_LIMIT", ValueFrom: &v1.EnvVarSource{ResourceFieldRef: &v1.ResourceFieldSelector{Resource: "limits.cpu"}}},
	}
	more.Spec.Containers[0].EnvFrom = []v1.EnvFromSource{{Prefix: "S_", SecretRef: &v1.SecretEnvSource{
		LocalObjectReference: v1.LocalObjectReference{Name: "sec"}}}}
	got := runReady(t, env, more, pod)

	t.Run("more", func(t *testing.T) { testMoreEnv(t, env) })

	envOut := kubectl(t, env, "exec", "envs", "--", "env")
	vars := map[string]string{}
	for _, line := range strings.Split(envOut, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[k] = v
		}
	}
	want := map[string]string{
		"PLAIN":         "value",
		"FROM_CM":       "blue",
		"FROM_SECRET":   "hunter2",
		"POD_NAME":      "envs",
		"POD_NAMESPACE": "default",
		"POD_UID":       string(got.UID),
		"POD_APP":       "envtest",
		"POD_IP":        got.Status.PodIP,
		"NODE_NAME":     env.NodeName,
		"MEM_MI":        "64",
		"EXPANDED":      "value-envs",
		"CM_color":      "blue",
		"CM_size":       "9",
		"HOSTNAME":      "envs",
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("env %s = %q, want %q", k, vars[k], v)
		}
	}
	for _, k := range []string{"MISSING_CM", "MISSING_KEY"} {
		if _, ok := vars[k]; ok {
			t.Errorf("optional env %s from a missing source is set (%q); kubelet leaves it out", k, vars[k])
		}
	}
	for _, k := range []string{"KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_PORT_443_TCP"} {
		if vars[k] == "" {
			t.Errorf("service env %s missing; env:\n%s", k, envOut)
		}
	}

	if mem := strings.TrimSpace(kubectl(t, env, "exec", "envs", "--", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes")); mem != "67108864" {
		t.Errorf("memory.limit_in_bytes = %q, want 67108864", mem)
	}
	if shares := strings.TrimSpace(kubectl(t, env, "exec", "envs", "--", "cat", "/sys/fs/cgroup/cpu/cpu.shares")); shares != "256" {
		t.Errorf("cpu.shares = %q, want 256 (250m requested)", shares)
	}
	if quota := strings.TrimSpace(kubectl(t, env, "exec", "envs", "--", "cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us")); quota != "25000" {
		t.Errorf("cpu.cfs_quota_us = %q, want 25000 (250m of a 100ms period)", quota)
	}
	// Limits without requests default requests to the limits: Guaranteed,
	// whose pod cgroup sits directly under the root.
	if got.Status.QOSClass != v1.PodQOSGuaranteed {
		t.Errorf("qosClass %q, want Guaranteed", got.Status.QOSClass)
	}
	podCgroup := "/sys/fs/cgroup/memory/bosun-test-*/pod" + string(got.UID)
	if m, _ := filepath.Glob(podCgroup); len(m) != 1 {
		t.Errorf("pod cgroup %s: found %v while the pod runs", podCgroup, m)
	} else if b, err := os.ReadFile(filepath.Join(m[0], "memory.limit_in_bytes")); err != nil || strings.TrimSpace(string(b)) != "67108864" {
		t.Errorf("pod cgroup memory limit %q (%v), want 67108864", b, err)
	}
	moreP, err := core.Pods("default").Get(ctx, "more", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bestEffort := "/sys/fs/cgroup/memory/bosun-test-*/besteffort/pod" + string(moreP.UID)
	if m, _ := filepath.Glob(bestEffort); moreP.Status.QOSClass != v1.PodQOSBestEffort || len(m) != 1 {
		t.Errorf("BestEffort pod (qosClass %q) cgroup %s: found %v", moreP.Status.QOSClass, bestEffort, m)
	}
	logDir := filepath.Join(env.AgentDataDir, "logs", "pods", "default_envs_"+string(got.UID))
	if _, err := os.Stat(filepath.Join(logDir, "c", "0.log")); err != nil {
		t.Errorf("container log: %v", err)
	}
	deleteAndWait(t, env, "default", "envs")
	if m, _ := filepath.Glob(podCgroup); len(m) != 0 {
		t.Errorf("pod cgroup still there after the pod was deleted: %v", m)
	}

}

// testMoreEnv checks variable expansion, host fields, defaults taken from
// the node, and the files kubelet writes for every pod.
func testMoreEnv(t *testing.T, env *testenv.Env) {
	ctx := context.Background()
	p, err := env.Client.CoreV1().Pods("default").Get(ctx, "more", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	node, err := env.Client.CoreV1().Nodes().Get(ctx, env.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(kubectl(t, env, "exec", "more", "--", "env"), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[k] = v
		}
	}
	cpu := node.Status.Allocatable[v1.ResourceCPU]
	want := map[string]string{
		"ESCAPED":     "$(PLAIN)",
		"UNKNOWN_REF": "$(NOT_DEFINED)",
		"HOST_IP":     p.Status.HostIP,
		"SA":          "default",
		"CPU_LIMIT":   fmt.Sprint((cpu.MilliValue() + 999) / 1000),
		"S_password":  "hunter2",
	}
	for k, v := range want {
		if vars[k] != v {
			t.Errorf("env %s = %q, want %q", k, vars[k], v)
		}
	}
	hosts := kubectl(t, env, "exec", "more", "--", "cat", "/etc/hosts")
	if !strings.HasPrefix(hosts, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n") || !strings.HasSuffix(hosts, p.Status.PodIP+"\tmore\n") {
		t.Errorf("/etc/hosts:\n%s", hosts)
	}
	if h := strings.TrimSpace(kubectl(t, env, "exec", "more", "--", "hostname")); h != "more" {
		t.Errorf("hostname %q", h)
	}
	if rc := kubectl(t, env, "exec", "more", "--", "cat", "/etc/resolv.conf"); !strings.Contains(rc, "nameserver ") {
		t.Errorf("/etc/resolv.conf has no nameserver:\n%s", rc)
	}
}

// sleeper is a pod whose one container "c" sleeps and exits on SIGTERM.
func sleeper(name, image string) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: v1.PodSpec{Containers: []v1.Container{{
			Name: "c", Image: image, ImagePullPolicy: v1.PullIfNotPresent,
			Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"},
		}}},
	}
}

func fieldRef(path string) *v1.EnvVarSource {
	return &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: path}}
}

// runReady creates the pods and waits until all of them are Ready, returning
// the last one as read back.
func runReady(t *testing.T, env *testenv.Env, pods ...*v1.Pod) *v1.Pod {
	t.Helper()
	ctx := context.Background()
	for _, p := range pods {
		if _, err := env.Client.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod %s: %v", p.Name, err)
		}
	}
	var last *v1.Pod
	for _, p := range pods {
		last = waitPod(t, env, p.Namespace, p.Name, "Ready", podstatus.Ready)
	}
	return last
}

// waitPod polls a pod until cond holds, failing with its status after a minute.
func waitPod(t *testing.T, env *testenv.Env, ns, name, what string, cond func(*v1.Pod) bool) *v1.Pod {
	t.Helper()
	var got *v1.Pod
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := env.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		got = p
		return cond(p), nil
	})
	if err != nil {
		var status any
		if got != nil {
			status = got.Status
		}
		t.Fatalf("pod %s/%s not %s: %v; status %+v", ns, name, what, err, status)
	}
	return got
}

// deleteAndWait deletes a pod and waits until it is gone from the API.
func deleteAndWait(t *testing.T, env *testenv.Env, ns, name string) {
	t.Helper()
	ctx := context.Background()
	if err := env.Client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete pod %s: %v", name, err)
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := env.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		return err != nil, nil
	})
	if err != nil {
		t.Fatalf("pod %s/%s not removed after delete", ns, name)
	}
}

// kubectl runs the real kubectl against the test server and returns its
// stdout, failing the test when it fails.
func kubectl(t *testing.T, env *testenv.Env, args ...string) string {
	t.Helper()
	out, errOut, err := kubectlRun(env, nil, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// kubectlRun runs kubectl with stdin and returns stdout, stderr and its error
// (an *exec.ExitError carries the exit code).
func kubectlRun(env *testenv.Env, stdin []byte, args ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", env.Kubeconfig}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	return out.String(), errOut.String(), err
}
