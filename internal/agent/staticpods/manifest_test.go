package staticpods

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
)

const webYAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  priorityClassName: system-node-critical
  containers:
  - name: c
    image: busybox
`

func TestParse(t *testing.T) {
	tests := []struct {
		name, data string
		ok         bool
	}{
		{"yaml", webYAML, true},
		{"json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j","namespace":"kube-system"},"spec":{"containers":[{"name":"c","image":"i"}]}}`, true},
		{"not a pod", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", false},
		{"no name", "apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: c, image: i}]\n", false},
		{"no containers", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", false},
		{"garbage", "{{{ not yaml", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse([]byte(tt.data))
			if (err == nil) != tt.ok {
				t.Errorf("err = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestMirrorPod(t *testing.T) {
	pod, err := parse([]byte(webYAML))
	if err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := mirrorPod(pod, "Node-1", nodeOwner("Node-1", "uid-1"), seen)
	if m.Name != "web-node-1" || m.Namespace != "default" || m.Spec.NodeName != "Node-1" {
		t.Errorf("pod %s/%s on %s", m.Namespace, m.Name, m.Spec.NodeName)
	}
	h := hash(pod, "Node-1")
	for k, v := range map[string]string{ConfigSourceAnnotation: "file", ConfigHashAnnotation: h, ConfigMirrorAnnotation: h, ConfigSeenAnnotation: "2026-01-01T00:00:00Z"} {
		if m.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, m.Annotations[k], v)
		}
	}
	if len(m.OwnerReferences) != 1 || m.OwnerReferences[0].Kind != "Node" || m.OwnerReferences[0].UID != "uid-1" || !*m.OwnerReferences[0].Controller {
		t.Errorf("owner = %+v", m.OwnerReferences)
	}
	if tol := m.Spec.Tolerations; len(tol) != 1 || tol[0].Operator != v1.TolerationOpExists || tol[0].Effect != v1.TaintEffectNoExecute {
		t.Errorf("tolerations = %+v", tol)
	}
	if m.Spec.PriorityClassName != "system-node-critical" || m.Spec.Priority != nil {
		t.Errorf("priority class %q priority %v: the API server resolves it", m.Spec.PriorityClassName, m.Spec.Priority)
	}
	if hash(pod, "other") == h {
		t.Error("hash ignores the node")
	}
	changed := pod.DeepCopy()
	changed.Spec.Containers[0].Image = "busybox:2"
	if hash(changed, "Node-1") == h {
		t.Error("hash ignores the spec")
	}
}
