package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
)

// HashLabel is the label carrying a revision's hash on revisions and pods.
const HashLabel = appsv1.ControllerRevisionHashLabelKey

// Parent is the owner of revisions: a StatefulSet or DaemonSet.
type Parent interface {
	metav1.Object
	runtime.Object
}

// TemplatePatch is the revision data for a pod template: the patch that
// kubectl rollout undo applies to the parent to restore it.
func TemplatePatch(template *corev1.PodTemplateSpec) ([]byte, error) {
	raw, err := json.Marshal(template)
	if err != nil {
		return nil, fmt.Errorf("encode pod template: %w", err)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("decode pod template: %w", err)
	}
	obj["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": obj}})
}

// Hash names revision data; collisionCount perturbs it when two different
// templates hash alike.
func Hash(data []byte, collisionCount *int32) string {
	h := fnv.New32()
	h.Write(data)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// New builds the revision of parent's template. Labels come from the pod
// template (so the parent's selector finds the revision) and annotations
// from the parent (so kubectl shows its change-cause).
func New(parent Parent, kind schema.GroupVersionKind, template *corev1.PodTemplateSpec, number int64, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	data, err := TemplatePatch(template)
	if err != nil {
		return nil, err
	}
	hash := Hash(data, collisionCount)
	labels := map[string]string{}
	for k, v := range template.Labels {
		labels[k] = v
	}
	labels[HashLabel] = hash
	annotations := map[string]string{}
	for k, v := range parent.GetAnnotations() {
		annotations[k] = v
	}
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name: parent.GetName() + "-" + hash, Namespace: parent.GetNamespace(),
			Labels: labels, Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(parent, kind)},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: number,
	}, nil
}

// Equal says whether two revisions record the same template.
func Equal(a, b *appsv1.ControllerRevision) bool {
	return bytes.Equal(a.Data.Raw, b.Data.Raw)
}

// SortByRevision orders revisions oldest first.
func SortByRevision(revs []*appsv1.ControllerRevision) {
	sort.SliceStable(revs, func(i, j int) bool {
		if revs[i].Revision != revs[j].Revision {
			return revs[i].Revision < revs[j].Revision
		}
		return revs[i].Name < revs[j].Name
	})
}

// NextNumber is the revision number after the newest of revs.
func NextNumber(revs []*appsv1.ControllerRevision) int64 {
	var n int64
	for _, r := range revs {
		n = max(n, r.Revision)
	}
	return n + 1
}

// Template reads back the pod template a revision recorded.
func Template(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var patch struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &patch); err != nil {
		return nil, fmt.Errorf("decode revision %s: %w", rev.Name, err)
	}
	return &patch.Spec.Template, nil
}
