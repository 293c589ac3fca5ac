package statefulset

import (
	"context"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/controller/history"
)

func newSet(replicas int32, image string) *appsv1.StatefulSet {
	labels := map[string]string{"app": "web"}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", UID: "set-uid", Generation: 2},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(replicas), ServiceName: "nginx",
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: image}}}},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "www"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, Resources: corev1.VolumeResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}},
			PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)}},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType},
		},
	}
}

type fixture struct {
	c        *Controller
	client   *fake.Clientset
	recorder *record.FakeRecorder
}

func setup(t *testing.T, set *appsv1.StatefulSet, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewClientset(append([]runtime.Object{set}, objs...)...)
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(100)
	c := New(client, factory, rec, Options{Clock: clocktesting.NewFakeClock(t0)})
	if err := factory.Apps().V1().StatefulSets().Informer().GetIndexer().Add(set); err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		var err error
		switch o := o.(type) {
		case *corev1.Pod:
			err = factory.Core().V1().Pods().Informer().GetIndexer().Add(o)
		case *appsv1.ControllerRevision:
			err = factory.Apps().V1().ControllerRevisions().Informer().GetIndexer().Add(o)
		case *corev1.PersistentVolumeClaim:
			err = factory.Core().V1().PersistentVolumeClaims().Informer().GetIndexer().Add(o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	client.ClearActions()
	return &fixture{c: c, client: client, recorder: rec}
}

func (f *fixture) actions() []string {
	var out []string
	for _, a := range f.client.Actions() {
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		switch a.GetVerb() {
		case "create":
			s += " " + a.(k8stesting.CreateAction).GetObject().(metav1.Object).GetName()
		case "delete":
			s += " " + a.(k8stesting.DeleteAction).GetName()
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) events() []string {
	var out []string
	for len(f.recorder.Events) > 0 {
		out = append(out, <-f.recorder.Events)
	}
	return out
}

func (f *fixture) status(t *testing.T) appsv1.StatefulSetStatus {
	t.Helper()
	acts := f.client.Actions()
	for i := len(acts) - 1; i >= 0; i-- {
		if acts[i].GetSubresource() == "status" {
			return acts[i].(k8stesting.UpdateAction).GetObject().(*appsv1.StatefulSet).Status
		}
	}
	t.Fatal("no status update")
	return appsv1.StatefulSetStatus{}
}

func TestSyncCreatesFirstOrdinalWithClaim(t *testing.T) {
	set := newSet(3, "nginx:1")
	f := setup(t, set)
	if err := f.c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	rev, _ := history.New(set, controllerKind, &set.Spec.Template, 1, ptr.To[int32](0))
	want := []string{"create controllerrevisions " + rev.Name, "create persistentvolumeclaims www-web-0", "create pods web-0", "update statefulsets/status"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	claim := f.client.Actions()[1].(k8stesting.CreateAction).GetObject().(*corev1.PersistentVolumeClaim)
	if claim.Labels["app"] != "web" || len(claim.OwnerReferences) != 1 || claim.OwnerReferences[0].UID != "set-uid" {
		t.Fatalf("claim meta = %+v", claim.ObjectMeta)
	}
	pod := f.client.Actions()[2].(k8stesting.CreateAction).GetObject().(*corev1.Pod)
	if pod.Spec.Hostname != "web-0" || pod.Spec.Subdomain != "nginx" ||
		pod.Labels["statefulset.kubernetes.io/pod-name"] != "web-0" || pod.Labels["apps.kubernetes.io/pod-index"] != "0" ||
		pod.Labels["controller-revision-hash"] != rev.Name || pod.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "www-web-0" {
		t.Fatalf("pod = %+v %+v", pod.ObjectMeta, pod.Spec)
	}
	want = []string{"Normal SuccessfulCreate create Claim www-web-0 Pod web-0 in StatefulSet web success",
		"Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful"}
	if ev := f.events(); !slices.Equal(ev, want) {
		t.Fatalf("events = %v", ev)
	}
	st := f.status(t)
	if st.ObservedGeneration != 2 || st.UpdateRevision != rev.Name || st.CurrentRevision != rev.Name {
		t.Fatalf("status = %+v", st)
	}
}

// running makes a ready pod of set at the given revision.
func running(set *appsv1.StatefulSet, rev *appsv1.ControllerRevision, ord int) *corev1.Pod {
	tmpl, _ := history.Template(rev)
	p := newPod(set, tmpl, ord, rev.Name)
	p.UID = "uid-" + "web"
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	return p
}

func TestSyncRollsHighestOrdinalFirst(t *testing.T) {
	old := newSet(2, "nginx:1")
	oldRev, _ := history.New(old, controllerKind, &old.Spec.Template, 1, ptr.To[int32](0))
	set := newSet(2, "nginx:2")
	set.Status.CurrentRevision = oldRev.Name
	f := setup(t, set, oldRev, running(old, oldRev, 0), running(old, oldRev, 1), newClaims(set, 0)[0], newClaims(set, 1)[0])
	if err := f.c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	newRev, _ := history.New(set, controllerKind, &set.Spec.Template, 2, ptr.To[int32](0))
	want := []string{"create controllerrevisions " + newRev.Name, "delete pods web-1", "update statefulsets/status"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	st := f.status(t)
	if st.CurrentRevision != oldRev.Name || st.UpdateRevision != newRev.Name || st.CurrentReplicas != 2 || st.UpdatedReplicas != 0 || st.ReadyReplicas != 2 {
		t.Fatalf("status = %+v", st)
	}
}

func TestSyncCompletesRollout(t *testing.T) {
	set := newSet(2, "nginx:2")
	old := newSet(2, "nginx:1")
	oldRev, _ := history.New(old, controllerKind, &old.Spec.Template, 1, ptr.To[int32](0))
	newRev, _ := history.New(set, controllerKind, &set.Spec.Template, 2, ptr.To[int32](0))
	set.Status.CurrentRevision = oldRev.Name
	f := setup(t, set, oldRev, newRev, running(set, newRev, 0), running(set, newRev, 1), newClaims(set, 0)[0], newClaims(set, 1)[0])
	if err := f.c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	st := f.status(t)
	if st.CurrentRevision != newRev.Name || st.CurrentReplicas != 2 || st.UpdatedReplicas != 2 || st.AvailableReplicas != 2 {
		t.Fatalf("status = %+v", st)
	}
}

func TestSyncRecreatesMissingClaim(t *testing.T) {
	set := newSet(1, "nginx:1")
	rev, _ := history.New(set, controllerKind, &set.Spec.Template, 1, ptr.To[int32](0))
	set.Status.CurrentRevision = rev.Name
	f := setup(t, set, rev, running(set, rev, 0))
	if err := f.c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	if got := f.actions(); len(got) == 0 || got[0] != "create persistentvolumeclaims www-web-0" {
		t.Fatalf("actions = %v", got)
	}
}

func TestSyncScaleDownHandsClaimsToPod(t *testing.T) {
	set := newSet(1, "nginx:1")
	set.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	rev, _ := history.New(set, controllerKind, &set.Spec.Template, 1, ptr.To[int32](0))
	set.Status.CurrentRevision = rev.Name
	gone := running(set, rev, 1)
	gone.UID = "uid-web-1"
	f := setup(t, set, rev, running(set, rev, 0), gone, newClaims(set, 0)[0], newClaims(set, 1)[0])
	if err := f.c.sync(context.Background(), "default/web"); err != nil {
		t.Fatal(err)
	}
	want := []string{"update persistentvolumeclaims", "delete pods web-1", "update statefulsets/status"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions = %v, want %v", got, want)
	}
	claim := f.client.Actions()[0].(k8stesting.UpdateAction).GetObject().(*corev1.PersistentVolumeClaim)
	if claim.Name != "www-web-1" || !ownedBy(claim, "uid-web-1") {
		t.Fatalf("claim %s owners = %+v", claim.Name, claim.OwnerReferences)
	}
}
