package deployment

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

func TestRevisionAnnotations(t *testing.T) {
	d := rolling(3, "25%", "25%")
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "v2", lastAppliedAnnotation: "{}", revisionAnnotation: "9"}
	r := rs("n", 0, 3, 3)
	if !setNewReplicaSetAnnotations(d, r, "1", false) {
		t.Fatal("no change reported")
	}
	want := map[string]string{"kubernetes.io/change-cause": "v2", revisionAnnotation: "1", desiredReplicasAnnotation: "3", maxReplicasAnnotation: "4"}
	if fmt.Sprint(r.Annotations) != fmt.Sprint(want) {
		t.Fatalf("annotations = %v, want %v", r.Annotations, want)
	}
	// Rolled back to: revision 1 becomes 5, history keeps 1, then 5.
	setNewReplicaSetAnnotations(d, r, "5", true)
	setNewReplicaSetAnnotations(d, r, "7", true)
	if r.Annotations[revisionAnnotation] != "7" || r.Annotations[revisionHistoryAnnotation] != "1,5" {
		t.Fatalf("annotations = %v", r.Annotations)
	}
	if setNewReplicaSetAnnotations(d, r, "3", true) {
		t.Fatal("a lower revision must not replace a higher one")
	}
}

func TestTemplateHash(t *testing.T) {
	d := rolling(3, "25%", "25%")
	h := templateHash(&d.Spec.Template, nil)
	if h != templateHash(d.Spec.Template.DeepCopy(), nil) {
		t.Fatal("hash not stable")
	}
	if h == templateHash(&d.Spec.Template, ptr(int32(1))) {
		t.Fatal("collisionCount does not change the hash")
	}
	other := d.Spec.Template.DeepCopy()
	other.Spec.Containers[0].Image = "v2"
	if h == templateHash(other, nil) {
		t.Fatal("different templates hash alike")
	}
	r := newReplicaSetFor(d, 3, "1")
	if r.Name != "web-"+h || r.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != h ||
		r.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != h || r.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != h {
		t.Fatalf("replica set = %+v", r.ObjectMeta)
	}
	if d.Spec.Template.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != "" || d.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != "" {
		t.Fatal("deployment mutated")
	}
	if !equalIgnoreHash(&r.Spec.Template, &d.Spec.Template) || equalIgnoreHash(other, &d.Spec.Template) {
		t.Fatal("equalIgnoreHash")
	}
}
