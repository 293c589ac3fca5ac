package apiserver

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestShouldAutomount(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pod    *bool
		sa     *bool
		expect bool
	}{
		{"neither says", nil, nil, true},
		{"pod off", ptr.To(false), nil, false},
		{"account off", nil, ptr.To(false), false},
		{"pod on wins over account off", ptr.To(true), ptr.To(false), true},
		{"pod off wins over account on", ptr.To(false), ptr.To(true), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{AutomountServiceAccountToken: tc.pod}}
			sa := &corev1.ServiceAccount{AutomountServiceAccountToken: tc.sa}
			if got := shouldAutomount(sa, pod); got != tc.expect {
				t.Errorf("shouldAutomount = %v, want %v", got, tc.expect)
			}
		})
	}
}

func TestMountServiceAccountToken(t *testing.T) {
	mount := corev1.VolumeMount{Name: "kube-api-access-abcde", ReadOnly: true, MountPath: serviceAccountMountPath}
	own := corev1.VolumeMount{Name: "mine", MountPath: serviceAccountMountPath}
	tokenVolume := corev1.Volume{Name: "kube-api-access-abcde", VolumeSource: corev1.VolumeSource{Projected: tokenVolumeSource()}}
	data := corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	for _, tc := range []struct {
		name        string
		spec        corev1.PodSpec
		wantVolumes []corev1.Volume
		wantInit    [][]corev1.VolumeMount
		wantApp     [][]corev1.VolumeMount
	}{{
		name:        "every init and app container mounts it",
		spec:        corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}, Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}, Volumes: []corev1.Volume{data}},
		wantVolumes: []corev1.Volume{data, tokenVolume},
		wantInit:    [][]corev1.VolumeMount{{mount}},
		wantApp:     [][]corev1.VolumeMount{{mount}, {mount}},
	}, {
		name:        "a container mounting the path itself keeps its mount",
		spec:        corev1.PodSpec{Containers: []corev1.Container{{Name: "a", VolumeMounts: []corev1.VolumeMount{own}}, {Name: "b"}}},
		wantVolumes: []corev1.Volume{tokenVolume},
		wantApp:     [][]corev1.VolumeMount{{own}, {mount}},
	}, {
		name:    "no volume when no container needs it",
		spec:    corev1.PodSpec{Containers: []corev1.Container{{Name: "a", VolumeMounts: []corev1.VolumeMount{own}}}},
		wantApp: [][]corev1.VolumeMount{{own}},
	}, {
		name:        "an existing kube-api-access volume is reused",
		spec:        corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}, Volumes: []corev1.Volume{{Name: "kube-api-access-zzzzz"}}},
		wantVolumes: []corev1.Volume{{Name: "kube-api-access-zzzzz"}},
		wantApp:     [][]corev1.VolumeMount{{{Name: "kube-api-access-zzzzz", ReadOnly: true, MountPath: serviceAccountMountPath}}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: tc.spec}
			mountServiceAccountToken(pod, "kube-api-access-abcde")
			if !reflect.DeepEqual(pod.Spec.Volumes, tc.wantVolumes) {
				t.Errorf("volumes = %+v, want %+v", pod.Spec.Volumes, tc.wantVolumes)
			}
			for i, c := range pod.Spec.InitContainers {
				if !reflect.DeepEqual(c.VolumeMounts, tc.wantInit[i]) {
					t.Errorf("init container %s mounts = %+v, want %+v", c.Name, c.VolumeMounts, tc.wantInit[i])
				}
			}
			for i, c := range pod.Spec.Containers {
				if !reflect.DeepEqual(c.VolumeMounts, tc.wantApp[i]) {
					t.Errorf("container %s mounts = %+v, want %+v", c.Name, c.VolumeMounts, tc.wantApp[i])
				}
			}
		})
	}
}

func TestTokenVolumeSource(t *testing.T) {
	want := &corev1.ProjectedVolumeSource{
		DefaultMode: ptr.To[int32](420),
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr.To[int64](3607), Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
				Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
			}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
				Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
			}}}},
		},
	}
	if got := tokenVolumeSource(); !reflect.DeepEqual(got, want) {
		t.Errorf("tokenVolumeSource = %+v, want %+v", got, want)
	}
}

func TestValidateMirrorPodCredentials(t *testing.T) {
	secretEnv := corev1.EnvVar{Name: "P", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}}
	for _, tc := range []struct {
		name string
		spec corev1.PodSpec
		want string
	}{
		{"plain", corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, ""},
		{"service account", corev1.PodSpec{ServiceAccountName: "default"}, "a mirror pod may not reference service accounts"},
		{"secret volume", corev1.PodSpec{Volumes: []corev1.Volume{{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}}}}, "a mirror pod may not reference secrets"},
		{"secret env in init container", corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i", Env: []corev1.EnvVar{secretEnv}}}}, "a mirror pod may not reference secrets"},
		{"secret envFrom", corev1.PodSpec{Containers: []corev1.Container{{Name: "a", EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{}}}}}}, "a mirror pod may not reference secrets"},
		{"pull secret", corev1.PodSpec{ImagePullSecrets: []corev1.LocalObjectReference{{Name: "reg"}}}, "a mirror pod may not reference secrets"},
		{"projected secret", corev1.PodSpec{Volumes: []corev1.Volume{{Name: "p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{Secret: &corev1.SecretProjection{}}}}}}}}, "a mirror pod may not reference secrets"},
		{"token projection", corev1.PodSpec{Volumes: []corev1.Volume{{Name: "p", VolumeSource: corev1.VolumeSource{Projected: tokenVolumeSource()}}}}, "a mirror pod may not use ServiceAccountToken volume projections"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := validateMirrorPodCredentials(&corev1.Pod{Spec: tc.spec})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("error = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLimitSecretReferences(t *testing.T) {
	enforcing := &corev1.ServiceAccount{
		ObjectMeta:       metav1.ObjectMeta{Name: "build", Annotations: map[string]string{enforceMountableSecretsAnnotation: "true"}},
		Secrets:          []corev1.ObjectReference{{Name: "listed"}},
		ImagePullSecrets: []corev1.LocalObjectReference{{Name: "registry"}},
	}
	secretVolume := func(name string) corev1.Volume {
		return corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: name}}}
	}
	secretEnv := func(name string) corev1.EnvVar {
		return corev1.EnvVar{Name: "PASS", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: "k"}}}
	}
	for _, tc := range []struct {
		name string
		sa   *corev1.ServiceAccount
		spec corev1.PodSpec
		want string
	}{
		{"not enforcing", &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, corev1.PodSpec{Volumes: []corev1.Volume{secretVolume("other")}}, ""},
		{"listed secrets", enforcing, corev1.PodSpec{
			Volumes:          []corev1.Volume{secretVolume("listed")},
			Containers:       []corev1.Container{{Name: "a", Env: []corev1.EnvVar{secretEnv("listed")}}},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: "registry"}},
		}, ""},
		{"volume", enforcing, corev1.PodSpec{Volumes: []corev1.Volume{secretVolume("other")}},
			`volume with secret.secretName="other" is not allowed because service account build does not reference that secret`},
		{"init container env", enforcing, corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i", Env: []corev1.EnvVar{secretEnv("other")}}}},
			`init container i with envVar PASS referencing secret.secretName="other" is not allowed because service account build does not reference that secret`},
		{"container envFrom", enforcing, corev1.PodSpec{Containers: []corev1.Container{{Name: "a", EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "other"}}}}}}},
			`container a with envFrom referencing secret.secretName="other" is not allowed because service account build does not reference that secret`},
		{"pull secret", enforcing, corev1.PodSpec{ImagePullSecrets: []corev1.LocalObjectReference{{Name: "registry"}, {Name: "listed"}}},
			`imagePullSecrets[1].name="listed" is not allowed because service account build does not reference that imagePullSecret`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := limitSecretReferences(tc.sa, &corev1.Pod{Spec: tc.spec})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("error = %q, want %q", got, tc.want)
			}
		})
	}
}
