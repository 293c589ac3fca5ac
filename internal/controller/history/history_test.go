package history

import (
	"context"
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

var kind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

func set(image string) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", UID: "set-uid",
			Annotations: map[string]string{"kubernetes.io/change-cause": image}},
		Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: image}}},
		}},
	}
}

func TestTemplatePatchReplacesTemplate(t *testing.T) {
	data, err := TemplatePatch(&set("nginx:1").Spec.Template)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Spec struct {
			Template map[string]any `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Template["$patch"] != "replace" || got.Spec.Template["spec"] == nil {
		t.Fatalf("patch = %s", data)
	}
}

func TestHashCollisionCount(t *testing.T) {
	data := []byte("x")
	if a, b := Hash(data, nil), Hash([]byte("x"), nil); a != b {
		t.Fatal("hash not stable")
	}
	if Hash(data, ptr.To[int32](0)) == Hash(data, ptr.To[int32](1)) {
		t.Fatal("collisionCount must change the hash")
	}
}

func store(t *testing.T, revs ...*appsv1.ControllerRevision) (Store, *fake.Clientset) {
	client := fake.NewClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	inf := factory.Apps().V1().ControllerRevisions().Informer()
	for _, r := range revs {
		if err := inf.GetIndexer().Add(r); err != nil {
			t.Fatal(err)
		}
		if _, err := client.AppsV1().ControllerRevisions(r.Namespace).Create(context.Background(), r, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return Store{Client: client, Lister: factory.Apps().V1().ControllerRevisions().Lister()}, client
}

func TestSyncCreatesThenReuses(t *testing.T) {
	s, client := store(t)
	web := set("nginx:1")
	r, err := s.Sync(context.Background(), web, kind, &web.Spec.Template, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Update.Revision != 1 || r.Current != r.Update || r.Update.Labels[HashLabel] == "" ||
		r.Update.Annotations["kubernetes.io/change-cause"] != "nginx:1" || len(client.Actions()) != 1 {
		t.Fatalf("first sync = %+v, actions %v", r.Update, client.Actions())
	}
	s, client = store(t, r.Update)
	again, err := s.Sync(context.Background(), web, kind, &web.Spec.Template, r.Update.Name, nil)
	if err != nil || again.Update.Name != r.Update.Name || len(client.Actions()) != 0 {
		t.Fatalf("second sync must reuse: %v %v", err, client.Actions())
	}
}

func TestSyncRenumbersOnUndo(t *testing.T) {
	v1, v2 := set("nginx:1"), set("nginx:2")
	r1, _ := New(v1, kind, &v1.Spec.Template, 1, nil)
	r2, _ := New(v2, kind, &v2.Spec.Template, 2, nil)
	s, client := store(t, r1, r2)
	r, err := s.Sync(context.Background(), v1, kind, &v1.Spec.Template, r2.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Update.Name != r1.Name || r.Update.Revision != 3 || r.Current.Name != r2.Name {
		t.Fatalf("undo: update %s/%d current %s", r.Update.Name, r.Update.Revision, r.Current.Name)
	}
	if acts := client.Actions(); len(acts) != 1 || acts[0].GetVerb() != "update" {
		t.Fatalf("actions = %v", acts)
	}
}

func TestTruncateKeepsLiveRevisions(t *testing.T) {
	var revs []*appsv1.ControllerRevision
	for i, img := range []string{"a", "b", "c", "d", "e"} {
		v := set(img)
		r, _ := New(v, kind, &v.Spec.Template, int64(i+1), nil)
		revs = append(revs, r)
	}
	s, client := store(t, revs...)
	r := &Revisions{All: revs, Current: revs[3], Update: revs[4]}
	// Limit 1 among a, b, c; b still runs a pod.
	if err := s.Truncate(context.Background(), r, 1, map[string]bool{revs[1].Name: true}); err != nil {
		t.Fatal(err)
	}
	acts := client.Actions()
	if len(acts) != 1 || acts[0].GetVerb() != "delete" {
		t.Fatalf("actions = %v", acts)
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	v := set("nginx:9")
	r, err := New(v, kind, &v.Spec.Template, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Template(r)
	if err != nil || tmpl.Spec.Containers[0].Image != "nginx:9" || tmpl.Labels["app"] != "web" {
		t.Fatalf("template = %+v, %v", tmpl, err)
	}
}
