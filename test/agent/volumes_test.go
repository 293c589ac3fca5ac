package agent_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestVolumes mounts every node-local volume kind into one pod on real
// containerd and checks each the way a program in the container sees it,
// then takes a local-path claim through bind, reuse and deletion.
func TestVolumes(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Agent: true})
	image := env.Busybox(t)
	ctx := context.Background()
	core := env.Client.CoreV1()
	if _, err := core.ConfigMaps("default").Create(ctx, &v1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "vcfg"},
		Data:       map[string]string{"a": "one", "b": "unused"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := core.Secrets("default").Create(ctx, &v1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "vsec"},
		Data:       map[string][]byte{"key": []byte("s3cret")},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hostDir := filepath.Join(t.TempDir(), "made", "by-agent")
	mode := int32(0o400)
	expiry := int64(3600)
	kapiExpiry := int64(3607)
	dirOrCreate := v1.HostPathDirectoryOrCreate
	sizeLimit := resource.MustParse("16Mi")
	optional := true
	pod := sleeper("vols", image)
	pod.Labels = map[string]string{"app": "voltest"}
	pod.Spec.Volumes = []v1.Volume{
		{Name: "cm", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
			LocalObjectReference: v1.LocalObjectReference{Name: "vcfg"},
			Items:                []v1.KeyToPath{{Key: "a", Path: "dir/a.txt"}},
			DefaultMode:          &mode,
		}}},
		{Name: "sec", VolumeSource: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "vsec"}}},
		{Name: "info", VolumeSource: v1.VolumeSource{DownwardAPI: &v1.DownwardAPIVolumeSource{
			Items: []v1.DownwardAPIVolumeFile{{Path: "labels", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.labels"}}},
		}}},
		{Name: "tok", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{Sources: []v1.VolumeProjection{{
			ServiceAccountToken: &v1.ServiceAccountTokenProjection{Audience: "bosun-test", ExpirationSeconds: &expiry, Path: "token"},
		}}}}},
		{Name: "kapi", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{Sources: []v1.VolumeProjection{
			{ServiceAccountToken: &v1.ServiceAccountTokenProjection{ExpirationSeconds: &kapiExpiry, Path: "token"}},
			{ConfigMap: &v1.ConfigMapProjection{LocalObjectReference: v1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items: []v1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &v1.DownwardAPIProjection{Items: []v1.DownwardAPIVolumeFile{
				{Path: "namespace", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
		}}}},
		{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
		{Name: "mem", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory, SizeLimit: &sizeLimit}}},
		{Name: "opt", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
			LocalObjectReference: v1.LocalObjectReference{Name: "absent"}, Optional: &optional}}},
		{Name: "host", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: hostDir, Type: &dirOrCreate}}},
	}
	pod.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{
		{Name: "cm", MountPath: "/cm"}, {Name: "sec", MountPath: "/sec"}, {Name: "info", MountPath: "/info"},
		{Name: "tok", MountPath: "/tok"}, {Name: "kapi", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}, {Name: "scratch", MountPath: "/scratch"}, {Name: "mem", MountPath: "/mem"},
		{Name: "host", MountPath: "/host"}, {Name: "opt", MountPath: "/opt"},
		{Name: "cm", MountPath: "/etc/app.conf", SubPath: "dir/a.txt"},
		{Name: "scratch", MountPath: "/ro", ReadOnly: true},
	}
	blocked := sleeper("blocked", image)
	blocked.Spec.Volumes = []v1.Volume{{Name: "cfg", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{
		LocalObjectReference: v1.LocalObjectReference{Name: "nope"}}}}}
	blocked.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "cfg", MountPath: "/cfg"}}
	if _, err := core.Pods("default").Create(ctx, blocked, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fsg := sleeper("fsgroup", image)
	uid, gid := int64(1000), int64(2000)
	secretMode := int32(0o440)
	fsg.Spec.SecurityContext = &v1.PodSecurityContext{RunAsUser: &uid, FSGroup: &gid}
	fsg.Spec.Volumes = []v1.Volume{
		{Name: "sec", VolumeSource: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "vsec", DefaultMode: &secretMode}}},
		{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
	}
	fsg.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "sec", MountPath: "/sec"}, {Name: "scratch", MountPath: "/scratch"}}
	got := runReady(t, env, fsg, pod)
	sh := func(script string) string {
		t.Helper()
		return strings.TrimSpace(kubectl(t, env, "exec", "vols", "--", "sh", "-c", script))
	}

	t.Run("configMap", func(t *testing.T) {
		if out := sh("cat /etc/app.conf"); out != "one" {
			t.Errorf("configMap item through subPath: %q", out)
		}
		if out := sh("ls /opt | wc -l"); out != "0" {
			t.Errorf("optional configMap volume of a missing ConfigMap has %s entries, want none", out)
		}
		if out := sh("cat /cm/dir/a.txt; echo; stat -L -c %a /cm/dir/a.txt; ls /cm"); out != "one\n400\ndir" {
			t.Errorf("configMap volume: got %q, want the one projected item with mode 400", out)
		}
		before := sh("readlink /cm/..data")
		if !strings.HasPrefix(before, "..") || sh("readlink /cm/dir") != "..data/dir" {
			t.Errorf("configMap volume is not kubelet's ..data layout: ..data -> %q, dir -> %q", before, sh("readlink /cm/dir"))
		}
		cm, err := core.ConfigMaps("default").Get(ctx, "vcfg", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm.Data["a"] = "two"
		if _, err := core.ConfigMaps("default").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		var now string
		err = wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
			now = sh("cat /cm/dir/a.txt")
			return now == "two", nil
		})
		if err != nil {
			t.Fatalf("configMap change not seen in the running container: file holds %q", now)
		}
		if after := sh("readlink /cm/..data"); after == before {
			t.Errorf("..data still points at %q after the update; kubelet swaps it atomically", after)
		}
	})
	t.Run("secret", func(t *testing.T) {
		if out := sh("cat /sec/key; echo; stat -L -c %a /sec/key"); out != "s3cret\n644" {
			t.Errorf("secret file and mode = %q", out)
		}
		sec, err := core.Secrets("default").Get(ctx, "vsec", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sec.Data["key"] = []byte("rotated")
		if _, err := core.Secrets("default").Update(ctx, sec, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
			return sh("cat /sec/key") == "rotated", nil
		}); err != nil {
			t.Error("secret change not seen in the running container")
		}
		if fs := mountType(sh, "/sec"); fs != "tmpfs" {
			t.Errorf("secret volume on %q, want tmpfs (secrets never touch the node's disk)", fs)
		}
	})
	t.Run("downwardAPI", func(t *testing.T) {
		if out := sh("cat /info/labels"); out != `app="voltest"` {
			t.Errorf("downwardAPI labels file = %q", out)
		}
	})
	t.Run("serviceAccountToken", func(t *testing.T) {
		claims := jwtClaims(t, sh("cat /tok/token"))
		aud, _ := json.Marshal(claims["aud"])
		if !strings.Contains(string(aud), `"bosun-test"`) {
			t.Errorf("token audience %s, want bosun-test", aud)
		}
		if claims["sub"] != "system:serviceaccount:default:default" {
			t.Errorf("token subject %v", claims["sub"])
		}
		k8s, _ := claims["kubernetes.io"].(map[string]any)
		if p, _ := k8s["pod"].(map[string]any); p["uid"] != string(got.UID) {
			t.Errorf("token is not bound to the pod: kubernetes.io claim %v", k8s)
		}
	})
	t.Run("kubeAPIAccess", func(t *testing.T) {
		dir := "/var/run/secrets/kubernetes.io/serviceaccount"
		if ns := sh("cat " + dir + "/namespace"); ns != "default" {
			t.Errorf("namespace file %q", ns)
		}
		if ca := sh("cat " + dir + "/ca.crt"); !strings.HasPrefix(ca, "-----BEGIN CERTIFICATE-----") {
			t.Errorf("ca.crt %q", ca)
		}
		// The mounted token authenticates as the pod's service account.
		cfg := rest.AnonymousClientConfig(env.Config)
		cfg.BearerToken = sh("cat " + dir + "/token")
		sa, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		review, err := sa.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("self review with the mounted token: %v", err)
		}
		if u := review.Status.UserInfo.Username; u != "system:serviceaccount:default:default" {
			t.Errorf("mounted token authenticates as %q", u)
		}
	})
	t.Run("fsGroup", func(t *testing.T) {
		out := strings.TrimSpace(kubectl(t, env, "exec", "fsgroup", "--", "sh", "-c",
			"id -u; id -G; stat -L -c '%g %a' /sec/key; cat /sec/key >/dev/null && echo readable; stat -c %g /scratch; touch /scratch/f && stat -c %g /scratch/f"))
		want := "1000\n0 2000\n2000 440\nreadable\n2000\n2000"
		if out != want {
			t.Errorf("runAsUser 1000 fsGroup 2000 sees:\n%s\nwant:\n%s", out, want)
		}
	})
	t.Run("emptyDir", func(t *testing.T) {
		sh("echo kept > /scratch/f")
		b, err := os.ReadFile(filepath.Join(env.AgentDataDir, "pods", string(got.UID), "volumes", "kubernetes.io~empty-dir", "scratch", "f"))
		if err != nil || string(b) != "kept\n" {
			t.Errorf("emptyDir file on the node: %q, %v", b, err)
		}
		if fs := mountType(sh, "/scratch"); fs == "tmpfs" {
			t.Error("disk emptyDir is a tmpfs")
		}
		if fs := mountType(sh, "/mem"); fs != "tmpfs" {
			t.Errorf("emptyDir medium Memory on %q, want tmpfs", fs)
		}
		if opts := mountOptions(sh, "/mem"); !strings.Contains(opts, "size=16384k") {
			t.Errorf("emptyDir medium Memory with sizeLimit 16Mi mounted %q, want size=16384k", opts)
		}
		if _, _, err := kubectlRun(env, nil, "exec", "vols", "--", "touch", "/ro/x"); err == nil {
			t.Error("wrote to a readOnly mount")
		}
	})
	t.Run("hostPath", func(t *testing.T) {
		sh("echo from-pod > /host/f")
		if b, err := os.ReadFile(filepath.Join(hostDir, "f")); err != nil || string(b) != "from-pod\n" {
			t.Errorf("hostPath DirectoryOrCreate: host file %q, %v", b, err)
		}
	})
	t.Run("missingConfigMap", func(t *testing.T) {
		want := `MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found`
		err := wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			evs, err := core.Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=blocked,reason=FailedMount"})
			if err != nil {
				return false, nil
			}
			for _, e := range evs.Items {
				if e.Message == want && e.Source.Component == "kubelet" && e.Type == v1.EventTypeWarning {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			evs, _ := core.Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=blocked"})
			var got []string
			for _, e := range evs.Items {
				got = append(got, e.Reason+": "+e.Message)
			}
			t.Errorf("no FailedMount event %q from kubelet; events %q", want, got)
		}
		p, err := core.Pods("default").Get(ctx, "blocked", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status.Phase != v1.PodPending || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Waiting == nil ||
			p.Status.ContainerStatuses[0].State.Waiting.Reason != "ContainerCreating" {
			t.Errorf("pod with a missing ConfigMap: phase %s, containers %+v; want Pending, waiting ContainerCreating", p.Status.Phase, p.Status.ContainerStatuses)
		}
	})
	deleteAndWait(t, env, "default", "blocked")
	deleteAndWait(t, env, "default", "vols")
	if _, err := os.Stat(filepath.Join(env.AgentDataDir, "pods", string(got.UID))); !os.IsNotExist(err) {
		t.Errorf("pod dir left after the pod was deleted: %v", err)
	}

	t.Run("localPathClaim", func(t *testing.T) { testLocalPathClaim(t, env, image) })
}

// testLocalPathClaim binds a default-class claim when its first pod is
// scheduled, keeps the data for the next pod, and removes the volume and
// its directory when the claim goes.
func testLocalPathClaim(t *testing.T, env *testenv.Env, image string) {
	ctx := context.Background()
	claims := env.Client.CoreV1().PersistentVolumeClaims("default")
	if _, err := claims.Create(ctx, &v1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: v1.PersistentVolumeClaimSpec{
			AccessModes: []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce},
			Resources:   v1.VolumeResourceRequirements{Requests: v1.ResourceList{v1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if c, err := claims.Get(ctx, "data", metav1.GetOptions{}); err != nil || c.Status.Phase != v1.ClaimPending {
		t.Fatalf("claim without a consumer: %v, phase %v; WaitForFirstConsumer keeps it Pending", err, c.Status.Phase)
	}
	withClaim := func(name string) *v1.Pod {
		p := sleeper(name, image)
		p.Spec.Volumes = []v1.Volume{{Name: "d", VolumeSource: v1.VolumeSource{
			PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
		p.Spec.Containers[0].VolumeMounts = []v1.VolumeMount{{Name: "d", MountPath: "/data"}}
		return p
	}
	runReady(t, env, withClaim("writer"))
	kubectl(t, env, "exec", "writer", "--", "sh", "-c", "echo persisted > /data/f")
	c, err := claims.Get(ctx, "data", metav1.GetOptions{})
	if err != nil || c.Status.Phase != v1.ClaimBound {
		t.Fatalf("claim with a running pod: %v, phase %v", err, c.Status.Phase)
	}
	pv, err := env.Client.CoreV1().PersistentVolumes().Get(ctx, c.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Spec.HostPath == nil {
		t.Fatalf("local-path volume %s is not a hostPath: %+v", pv.Name, pv.Spec.PersistentVolumeSource)
	}
	dir := pv.Spec.HostPath.Path
	t.Cleanup(func() { os.RemoveAll(dir) })
	deleteAndWait(t, env, "default", "writer")
	runReady(t, env, withClaim("reader"))
	if out := strings.TrimSpace(kubectl(t, env, "exec", "reader", "--", "cat", "/data/f")); out != "persisted" {
		t.Errorf("data in the claim after the pod was re-created: %q", out)
	}
	deleteAndWait(t, env, "default", "reader")
	if err := claims.Delete(ctx, "data", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := env.Client.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		return err != nil, nil
	})
	if err != nil {
		t.Fatalf("volume %s not deleted after its claim", pv.Name)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("volume directory %s left on the node: %v", dir, err)
	}
}

// mountType is the filesystem type of the mount at path inside the container.
func mountType(sh func(string) string, path string) string {
	for _, line := range strings.Split(sh("cat /proc/mounts"), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[1] == path {
			return f[2]
		}
	}
	return ""
}

// mountOptions are the options of the mount at path inside the container.
func mountOptions(sh func(string) string, path string) string {
	for _, line := range strings.Split(sh("cat /proc/mounts"), "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[1] == path {
			return f[3]
		}
	}
	return ""
}

// jwtClaims decodes a JWT's payload without verifying it.
func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	return claims
}
