package staticpods

import (
	"slices"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func withHash(name, h string) *v1.Pod {
	return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default",
		Annotations: map[string]string{ConfigHashAnnotation: h, ConfigMirrorAnnotation: h}}}
}

func TestPlan(t *testing.T) {
	deleting := *withHash("gone-n1", "old")
	deleting.DeletionTimestamp = &metav1.Time{}
	tests := []struct {
		name           string
		want           []*v1.Pod
		mirrors        []v1.Pod
		create, remove []string
	}{
		{name: "new manifest", want: []*v1.Pod{withHash("a-n1", "h1")}, create: []string{"a-n1"}},
		{name: "in sync", want: []*v1.Pod{withHash("a-n1", "h1")}, mirrors: []v1.Pod{*withHash("a-n1", "h1")}},
		{name: "changed manifest replaces the mirror", want: []*v1.Pod{withHash("a-n1", "h2")}, mirrors: []v1.Pod{*withHash("a-n1", "h1")},
			create: []string{"a-n1"}, remove: []string{"a-n1"}},
		{name: "removed manifest", mirrors: []v1.Pod{*withHash("a-n1", "h1")}, remove: []string{"a-n1"}},
		{name: "mirror being deleted blocks re-creation", want: []*v1.Pod{withHash("gone-n1", "new")}, mirrors: []v1.Pod{deleting}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := map[string]*v1.Pod{}
			for _, p := range tt.want {
				want[key(p)] = p
			}
			create, remove := plan(want, tt.mirrors)
			var c, r []string
			for _, p := range create {
				c = append(c, p.Name)
			}
			for _, p := range remove {
				r = append(r, p.Name)
			}
			if !slices.Equal(c, tt.create) || !slices.Equal(r, tt.remove) {
				t.Errorf("create %v remove %v, want %v %v", c, r, tt.create, tt.remove)
			}
		})
	}
}
