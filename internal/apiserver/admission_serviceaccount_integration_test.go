package apiserver_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/server"
	"github.com/bosun-dev/bosun/internal/testenv"
)

const saMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

// TestServiceAccountAdmission runs with the controllers, whose
// serviceaccount controller makes the "default" accounts pods are checked
// against.
func TestServiceAccountAdmission(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Components: []string{server.ComponentAPIServer, server.ComponentControllers}})
	ctx := context.Background()
	c := env.Client
	waitForServiceAccount(t, c, "default", "default")

	t.Run("kubectl run in a new namespace gets the token volume", func(t *testing.T) {
		if _, err := exec.LookPath("kubectl"); err != nil {
			t.Skip("kubectl not installed")
		}
		start := time.Now()
		kubectl(t, env, "create", "namespace", "fresh")
		kubectl(t, env, "run", "-n", "fresh", "web", "--image=busybox", "--restart=Never", "--", "sleep", "3600")
		t.Logf("pod created %v after its namespace", time.Since(start))
		pod, err := c.CoreV1().Pods("fresh").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkTokenMounted(t, pod)
	})

	t.Run("default account window", func(t *testing.T) {
		start := time.Now()
		if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "window"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitForServiceAccount(t, c, "window", "default")
		t.Logf("default service account appeared %v after its namespace", time.Since(start))
	})

	t.Run("automount off on the pod", func(t *testing.T) {
		pod := createPod(t, c, "default", "no-token", func(p *corev1.Pod) { p.Spec.AutomountServiceAccountToken = ptr.To(false) })
		if len(pod.Spec.Volumes) != 0 || len(pod.Spec.Containers[0].VolumeMounts) != 0 {
			t.Errorf("volumes %+v, mounts %+v: want none", pod.Spec.Volumes, pod.Spec.Containers[0].VolumeMounts)
		}
		if pod.Spec.ServiceAccountName != "default" {
			t.Errorf("serviceAccountName = %q, want default", pod.Spec.ServiceAccountName)
		}
	})

	t.Run("account's automount and pull secrets", func(t *testing.T) {
		sa := &corev1.ServiceAccount{
			ObjectMeta:                   metav1.ObjectMeta{Name: "quiet"},
			AutomountServiceAccountToken: ptr.To(false),
			ImagePullSecrets:             []corev1.LocalObjectReference{{Name: "registry"}},
		}
		if _, err := c.CoreV1().ServiceAccounts("default").Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		quiet := createPod(t, c, "default", "quiet", func(p *corev1.Pod) { p.Spec.ServiceAccountName = "quiet" })
		if len(quiet.Spec.Volumes) != 0 {
			t.Errorf("volumes %+v: want none, the account turns automount off", quiet.Spec.Volumes)
		}
		if len(quiet.Spec.ImagePullSecrets) != 1 || quiet.Spec.ImagePullSecrets[0].Name != "registry" {
			t.Errorf("imagePullSecrets = %+v, want the account's", quiet.Spec.ImagePullSecrets)
		}
		loud := createPod(t, c, "default", "loud", func(p *corev1.Pod) {
			p.Spec.ServiceAccountName = "quiet"
			p.Spec.AutomountServiceAccountToken = ptr.To(true)
		})
		checkTokenMounted(t, loud)
	})

	t.Run("missing account is forbidden", func(t *testing.T) {
		pod := testPod("orphan")
		pod.Spec.ServiceAccountName = "nope"
		_, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
		want := `pods "orphan" is forbidden: error looking up service account default/nope: serviceaccount "nope" not found`
		if !apierrors.IsForbidden(err) || err.Error() != want {
			t.Errorf("create: %v, want 403 %q", err, want)
		}
	})

	t.Run("enforced mountable secrets", func(t *testing.T) {
		sa := &corev1.ServiceAccount{
			ObjectMeta: metav1.ObjectMeta{Name: "build", Annotations: map[string]string{"kubernetes.io/enforce-mountable-secrets": "true"}},
			Secrets:    []corev1.ObjectReference{{Name: "listed"}},
		}
		if _, err := c.CoreV1().ServiceAccounts("default").Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod := testPod("builder")
		pod.Spec.ServiceAccountName = "build"
		pod.Spec.Volumes = []corev1.Volume{{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "other"}}}}
		_, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
		want := `pods "builder" is forbidden: volume with secret.secretName="other" is not allowed because service account build does not reference that secret`
		if !apierrors.IsForbidden(err) || err.Error() != want {
			t.Errorf("create: %v, want 403 %q", err, want)
		}
		pod.Spec.Volumes[0].Secret.SecretName = "listed"
		if _, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Errorf("create with a listed secret: %v", err)
		}
	})

	t.Run("dry run is admitted too", func(t *testing.T) {
		pod, err := c.CoreV1().Pods("default").Create(ctx, testPod("dry"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		checkTokenMounted(t, pod)
	})

	t.Run("mirror pods are left alone", func(t *testing.T) {
		pod := createPod(t, c, "default", "static-node1", func(p *corev1.Pod) {
			p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "hash"}
		})
		if len(pod.Spec.Volumes) != 0 {
			t.Errorf("volumes %+v: want none on a mirror pod", pod.Spec.Volumes)
		}
		bad := testPod("static-node2")
		bad.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "hash"}
		bad.Spec.ServiceAccountName = "default"
		_, err := c.CoreV1().Pods("default").Create(ctx, bad, metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "a mirror pod may not reference service accounts") {
			t.Errorf("create: %v, want 403 for a mirror pod naming an account", err)
		}
	})

	t.Run("pods of a deployment get it", func(t *testing.T) {
		labels := map[string]string{"app": "web"}
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: testPod("").Spec},
			},
		}
		if _, err := c.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var pods *corev1.PodList
		deadline := time.Now().Add(30 * time.Second)
		for {
			var err error
			pods, err = c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			if err == nil && len(pods.Items) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no pod of deployment web after 30 s (last error %v)", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		checkTokenMounted(t, &pods.Items[0])
	})
}

func testPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Image: "busybox"}},
			Containers:     []corev1.Container{{Name: "main", Image: "busybox"}},
		},
	}
}

func createPod(t *testing.T, c kubernetes.Interface, namespace, name string, mutate func(*corev1.Pod)) *corev1.Pod {
	t.Helper()
	pod := testPod(name)
	mutate(pod)
	out, err := c.CoreV1().Pods(namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", namespace, name, err)
	}
	return out
}

// checkTokenMounted asserts the kube-api-access volume kube-apiserver adds
// and its mount in every container.
func checkTokenMounted(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	var vol *corev1.Volume
	for i, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, "kube-api-access-") {
			vol = &pod.Spec.Volumes[i]
		}
	}
	if vol == nil || len(vol.Name) != len("kube-api-access-")+5 {
		t.Fatalf("pod %s volumes %+v: want one kube-api-access-xxxxx", pod.Name, pod.Spec.Volumes)
	}
	p := vol.Projected
	if p == nil || p.DefaultMode == nil || *p.DefaultMode != 420 || len(p.Sources) != 3 ||
		p.Sources[0].ServiceAccountToken == nil || *p.Sources[0].ServiceAccountToken.ExpirationSeconds != 3607 || p.Sources[0].ServiceAccountToken.Path != "token" ||
		p.Sources[1].ConfigMap == nil || p.Sources[1].ConfigMap.Name != "kube-root-ca.crt" ||
		p.Sources[2].DownwardAPI == nil || p.Sources[2].DownwardAPI.Items[0].FieldRef.FieldPath != "metadata.namespace" {
		t.Errorf("pod %s token volume source %+v", pod.Name, p)
	}
	if pod.Spec.ServiceAccountName != "default" && pod.Spec.ServiceAccountName != "quiet" {
		t.Errorf("pod %s serviceAccountName = %q", pod.Name, pod.Spec.ServiceAccountName)
	}
	containers := append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, ctr := range containers {
		want := corev1.VolumeMount{Name: vol.Name, ReadOnly: true, MountPath: saMountPath}
		if len(ctr.VolumeMounts) != 1 || ctr.VolumeMounts[0] != want {
			t.Errorf("pod %s container %s mounts %+v, want [%+v]", pod.Name, ctr.Name, ctr.VolumeMounts, want)
		}
	}
}

func waitForServiceAccount(t *testing.T, c kubernetes.Interface, namespace, name string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.CoreV1().ServiceAccounts(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("service account %s/%s not there after 30 s: %v", namespace, name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func kubectl(t *testing.T, env *testenv.Env, args ...string) {
	t.Helper()
	out, err := exec.Command("kubectl", append([]string{"--kubeconfig", env.Kubeconfig}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
