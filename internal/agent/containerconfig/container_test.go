package containerconfig

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func TestContainer(t *testing.T) {
	b, dir := testBuilder(t)
	pod := testPod()
	vol := filepath.Join(dir, "vol")
	if err := os.MkdirAll(vol, 0o755); err != nil {
		t.Fatal(err)
	}
	no := false
	c := &pod.Spec.Containers[0]
	c.Command = []string{"/bin/sh", "-c"}
	c.Args = []string{"echo $(GREETING) $$(GREETING) $(UNSET) $(DB_SERVICE_HOST)"}
	c.WorkingDir = "/work"
	c.EnvFrom = []v1.EnvFromSource{{ConfigMapRef: &v1.ConfigMapEnvSource{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}}, Prefix: "CFG_"}}
	c.Env = []v1.EnvVar{
		{Name: "GREETING", Value: "hello"},
		{Name: "MSG", Value: "$(GREETING) from $(POD_NAME) $(CFG_color)"},
		{Name: "POD_NAME", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "POD_IP", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "PASSWORD", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "creds"}, Key: "password"}}},
		{Name: "MEM_LIMIT", ValueFrom: &v1.EnvVarSource{ResourceFieldRef: &v1.ResourceFieldSelector{Resource: "limits.memory", Divisor: res("x", "1Mi")["x"]}}},
		{Name: "OPTIONAL", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "nope"}, Key: "k", Optional: boolPtr(true)}}},
		{Name: "SUB", Value: "data"},
	}
	c.VolumeMounts = []v1.VolumeMount{
		{Name: "data", MountPath: "/data", ReadOnly: true},
		{Name: "data", MountPath: "/per-pod", SubPathExpr: "$(SUB)/$(POD_NAME)"},
	}
	c.SecurityContext = &v1.SecurityContext{
		AllowPrivilegeEscalation: &no,
		Capabilities:             &v1.Capabilities{Add: []v1.Capability{"NET_ADMIN"}, Drop: []v1.Capability{"ALL"}},
		ReadOnlyRootFilesystem:   boolPtr(true),
		SeccompProfile:           &v1.SeccompProfile{Type: v1.SeccompProfileTypeRuntimeDefault},
	}
	c.TTY, c.Stdin = true, true
	uid := int64(1000)
	pod.Spec.SecurityContext = &v1.PodSecurityContext{RunAsUser: &uid, FSGroup: &uid}

	cfg, err := b.Container(pod, c, ContainerOptions{ImageRef: "sha256:abc", Attempt: 3, Volumes: map[string]string{"data": vol}, PodIPs: []string{"10.1.0.5"}, HostIPs: []string{"192.168.0.2"}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metadata.Name != "app" || cfg.Metadata.Attempt != 3 || cfg.Image.Image != "sha256:abc" || cfg.Image.UserSpecifiedImage != "busybox" {
		t.Errorf("metadata/image = %v %v", cfg.Metadata, cfg.Image)
	}
	if want := []string{"echo hello $(GREETING) $(UNSET) 10.96.0.20"}; !reflect.DeepEqual(cfg.Args, want) {
		t.Errorf("args = %q, want %q", cfg.Args, want)
	}
	env := map[string]string{}
	var order []string
	for _, kv := range cfg.Envs {
		env[kv.Key] = string(kv.Value)
		order = append(order, kv.Key)
	}
	for k, want := range map[string]string{
		"CFG_color": "blue", "CFG_size": "L", "GREETING": "hello", "POD_NAME": "web-0", "POD_IP": "10.1.0.5",
		"MSG":      "hello from $(POD_NAME) blue", // POD_NAME is defined after MSG
		"PASSWORD": "hunter2", "MEM_LIMIT": "128",
		"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "DB_SERVICE_HOST": "10.96.0.20",
	} {
		if env[k] != want {
			t.Errorf("env %s = %q, want %q", k, env[k], want)
		}
	}
	for _, k := range []string{"OPTIONAL", "CFG_bad=key", "CACHE_SERVICE_HOST"} {
		if _, ok := env[k]; ok {
			t.Errorf("env %s set", k)
		}
	}
	if order[0] != "CFG_color" || order[2] != "GREETING" {
		t.Errorf("env order = %v", order)
	}
	if cfg.LogPath != "app/3.log" {
		t.Errorf("log path = %q", cfg.LogPath)
	}
	if cfg.Labels[LabelContainerName] != "app" || cfg.Labels[LabelPodUID] != "uid-1" || cfg.Annotations[AnnotationRestartCount] != "3" ||
		cfg.Annotations[AnnotationTerminationMessagePath] != "/dev/termination-log" || cfg.Annotations[AnnotationPodTerminationGracePeriod] != "30" ||
		cfg.Annotations[AnnotationContainerHash] != Hash(c) {
		t.Errorf("labels %v annotations %v", cfg.Labels, cfg.Annotations)
	}
	mounts := map[string]*runtimeapi.Mount{}
	for _, m := range cfg.Mounts {
		mounts[m.ContainerPath] = m
	}
	if m := mounts["/data"]; m == nil || m.HostPath != vol || !m.Readonly {
		t.Errorf("/data mount = %v", m)
	}
	if m := mounts["/per-pod"]; m == nil || m.HostPath != filepath.Join(vol, "data", "web-0") {
		t.Errorf("/per-pod mount = %v", m)
	}
	podDir := filepath.Join(dir, "pods", "uid-1")
	if m := mounts["/etc/hosts"]; m == nil || m.HostPath != filepath.Join(podDir, "etc-hosts") {
		t.Errorf("/etc/hosts mount = %v", m)
	} else if data, _ := os.ReadFile(m.HostPath); !strings.Contains(string(data), "10.1.0.5\tweb-0.web.ns.svc.cluster.local\tweb-0\n") {
		t.Errorf("hosts file = %q", data)
	}
	if m := mounts["/dev/termination-log"]; m == nil {
		t.Error("no termination-log mount")
	} else if st, err := os.Stat(m.HostPath); err != nil || st.Mode().Perm() != 0o666 || !strings.HasPrefix(m.HostPath, podDir) {
		t.Errorf("termination-log file %s: %v %v", m.HostPath, st, err)
	}
	r := cfg.Linux.Resources
	if r.CpuShares != 102 || r.CpuQuota != 50000 || r.CpuPeriod != 100000 || r.MemoryLimitInBytes != 128<<20 {
		t.Errorf("resources = %v", r)
	}
	if want := int64(1000 - 1000*(64<<20)/(8<<30)); r.OomScoreAdj != want {
		t.Errorf("oom_score_adj = %d, want %d", r.OomScoreAdj, want)
	}
	sc := cfg.Linux.SecurityContext
	if sc.RunAsUser.GetValue() != 1000 || !reflect.DeepEqual(sc.SupplementalGroups, []int64{1000}) || !sc.NoNewPrivs || !sc.ReadonlyRootfs ||
		sc.Privileged || sc.Seccomp.ProfileType != runtimeapi.SecurityProfile_RuntimeDefault ||
		!reflect.DeepEqual(sc.Capabilities.AddCapabilities, []string{"NET_ADMIN"}) || !reflect.DeepEqual(sc.Capabilities.DropCapabilities, []string{"ALL"}) {
		t.Errorf("security context = %v", sc)
	}
	if !cfg.Tty || !cfg.Stdin || cfg.WorkingDir != "/work" {
		t.Errorf("tty/stdin/workdir = %v %v %q", cfg.Tty, cfg.Stdin, cfg.WorkingDir)
	}
}

func boolPtr(b bool) *bool { return &b }

func TestContainerConfigErrors(t *testing.T) {
	ref := func(name string) v1.LocalObjectReference { return v1.LocalObjectReference{Name: name} }
	for _, tc := range []struct {
		name string
		env  []v1.EnvVar
		from []v1.EnvFromSource
		want string
	}{
		{"missing configmap", []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: ref("nope"), Key: "k"}}}}, nil,
			`configmap "nope" not found`},
		{"missing configmap key", []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{ConfigMapKeyRef: &v1.ConfigMapKeySelector{LocalObjectReference: ref("cfg"), Key: "k"}}}}, nil,
			"couldn't find key k in ConfigMap ns/cfg"},
		{"missing secret", []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: ref("nope"), Key: "k"}}}}, nil,
			`secret "nope" not found`},
		{"missing secret key", []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: ref("creds"), Key: "k"}}}}, nil,
			"couldn't find key k in Secret ns/creds"},
		{"missing envFrom configmap", nil, []v1.EnvFromSource{{ConfigMapRef: &v1.ConfigMapEnvSource{LocalObjectReference: ref("nope")}}},
			`configmap "nope" not found`},
		{"missing envFrom secret", nil, []v1.EnvFromSource{{SecretRef: &v1.SecretEnvSource{LocalObjectReference: ref("nope")}}},
			`secret "nope" not found`},
	} {
		b, _ := testBuilder(t)
		pod := testPod()
		pod.Spec.Containers[0].Env = tc.env
		pod.Spec.Containers[0].EnvFrom = tc.from
		_, err := b.Container(pod, &pod.Spec.Containers[0], ContainerOptions{PodIPs: []string{"10.1.0.5"}})
		if err == nil || err.Error() != tc.want || Reason(err) != ReasonCreateContainerConfigError {
			t.Errorf("%s: err = %v (reason %q), want %q", tc.name, err, Reason(err), tc.want)
		}
	}
	// Optional sources that are absent are skipped, not errors.
	b, _ := testBuilder(t)
	pod := testPod()
	pod.Spec.Containers[0].EnvFrom = []v1.EnvFromSource{{SecretRef: &v1.SecretEnvSource{LocalObjectReference: ref("nope"), Optional: boolPtr(true)}}}
	pod.Spec.Containers[0].Env = []v1.EnvVar{{Name: "X", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: ref("creds"), Key: "k", Optional: boolPtr(true)}}}}
	if _, err := b.Container(pod, &pod.Spec.Containers[0], ContainerOptions{}); err != nil {
		t.Errorf("optional sources: %v", err)
	}
	if Reason(errors.New("other")) != "" {
		t.Error("plain error has a reason")
	}
}

func TestServiceLinksDisabled(t *testing.T) {
	b, _ := testBuilder(t)
	pod := testPod()
	pod.Spec.EnableServiceLinks = boolPtr(false)
	cfg, err := b.Container(pod, &pod.Spec.Containers[0], ContainerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range cfg.Envs {
		env[kv.Key] = string(kv.Value)
	}
	if env["KUBERNETES_SERVICE_HOST"] != "10.96.0.1" || env["KUBERNETES_PORT"] != "tcp://10.96.0.1:443" {
		t.Errorf("kubernetes service env missing: %v", env)
	}
	if _, ok := env["DB_SERVICE_HOST"]; ok {
		t.Error("service links env set with enableServiceLinks=false")
	}
}

func TestSubPath(t *testing.T) {
	vol := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(vol, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inner", filepath.Join(vol, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(vol, "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sub  string
		want string // "" means refused
	}{
		{"a/b", filepath.Join(vol, "a", "b")},
		{"link", filepath.Join(vol, "inner")},
		{"../x", ""},
		{"a/../../x", ""},
		{"/etc", ""},
		{"escape", ""},
		{"escape/new", ""},
	} {
		got, err := SubPath(vol, tc.sub)
		if tc.want == "" {
			if err == nil {
				t.Errorf("SubPath(%q) = %q, want refusal", tc.sub, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("SubPath(%q) = %q, %v; want %q", tc.sub, got, err, tc.want)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("SubPath created %v outside the volume", entries)
	}
}
