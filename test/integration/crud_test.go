package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

func TestCreate(t *testing.T) {
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	c := ctx(t)

	t.Run("answers 201 Created with the stored object", func(t *testing.T) {
		r := do(t, request{method: http.MethodPost, path: "/api/v1/namespaces/" + ns + "/configmaps", body: mustJSON(t, configMap("", "created", nil))})
		if r.code != http.StatusCreated {
			t.Fatalf("POST: %d %s, want 201", r.code, truncate(r.body))
		}
		got, err := cms.Get(c, "created", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if got.UID == "" || got.ResourceVersion == "" || got.CreationTimestamp.IsZero() {
			t.Errorf("system fields not set: %+v", got.ObjectMeta)
		}
	})

	t.Run("generateName", func(t *testing.T) {
		cm := configMap(ns, "", nil)
		cm.GenerateName = "gen-"
		got, err := cms.Create(c, cm, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if !strings.HasPrefix(got.Name, "gen-") || len(got.Name) != len("gen-")+5 {
			t.Errorf("name %q, want gen- and 5 random characters", got.Name)
		}
	})

	t.Run("dryRun=All is not stored", func(t *testing.T) {
		got, err := cms.Create(c, configMap(ns, "dry", nil), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatalf("dry-run create: %v", err)
		}
		if got.Name != "dry" {
			t.Errorf("dry-run answer named %q", got.Name)
		}
		_, err = cms.Get(c, "dry", metav1.GetOptions{})
		wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
	})

	t.Run("AlreadyExists", func(t *testing.T) {
		if _, err := cms.Create(c, configMap(ns, "twice", nil), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create: %v", err)
		}
		_, err := cms.Create(c, configMap(ns, "twice", nil), metav1.CreateOptions{})
		se := wantStatus(t, err, http.StatusConflict, metav1.StatusReasonAlreadyExists)
		if want := `configmaps "twice" already exists`; se.ErrStatus.Message != want {
			t.Errorf("message %q, want %q", se.ErrStatus.Message, want)
		}
	})

	t.Run("invalid name", func(t *testing.T) {
		_, err := cms.Create(c, configMap(ns, "Not_Valid", nil), metav1.CreateOptions{})
		se := wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
		if se.ErrStatus.Details == nil || len(se.ErrStatus.Details.Causes) == 0 || se.ErrStatus.Details.Causes[0].Field != "metadata.name" {
			t.Errorf("details %+v, want a cause on metadata.name", se.ErrStatus.Details)
		}
	})

	t.Run("missing namespace", func(t *testing.T) {
		_, err := shared.client.CoreV1().ConfigMaps("no-such-ns").Create(c, configMap("", "x", nil), metav1.CreateOptions{})
		se := wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
		if want := `namespaces "no-such-ns" not found`; se.ErrStatus.Message != want {
			t.Errorf("message %q, want %q", se.ErrStatus.Message, want)
		}
	})
}

func TestCreateInTerminatingNamespace(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	// A finalizer on content keeps the namespace Terminating.
	held := configMap(ns, "held", nil)
	held.Finalizers = []string{"example.com/hold"}
	if _, err := shared.client.CoreV1().ConfigMaps(ns).Create(c, held, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	t.Cleanup(func() {
		_, _ = shared.client.CoreV1().ConfigMaps(ns).Patch(c, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	})
	if err := shared.client.CoreV1().Namespaces().Delete(c, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete namespace: %v", err)
	}
	got, err := shared.client.CoreV1().Namespaces().Get(c, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get namespace: %v", err)
	}
	if got.Status.Phase != corev1.NamespaceTerminating || got.DeletionTimestamp == nil {
		t.Fatalf("namespace phase %q deletionTimestamp %v, want Terminating", got.Status.Phase, got.DeletionTimestamp)
	}
	_, err = shared.client.CoreV1().ConfigMaps(ns).Create(c, configMap(ns, "late", nil), metav1.CreateOptions{})
	se := wantStatus(t, err, http.StatusForbidden, metav1.StatusReasonForbidden)
	if !strings.Contains(se.ErrStatus.Message, "because it is being terminated") {
		t.Errorf("message %q", se.ErrStatus.Message)
	}
}

func TestGetNotFound(t *testing.T) {
	ns := newNamespace(t)
	_, err := shared.client.CoreV1().ConfigMaps(ns).Get(ctx(t), "absent", metav1.GetOptions{})
	se := wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
	if want := `configmaps "absent" not found`; se.ErrStatus.Message != want {
		t.Errorf("message %q, want %q", se.ErrStatus.Message, want)
	}
	if d := se.ErrStatus.Details; d == nil || d.Name != "absent" || d.Kind != "configmaps" {
		t.Errorf("details %+v", d)
	}
}

func TestListSelectors(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	for name, labels := range map[string]map[string]string{
		"a": {"env": "prod", "tier": "web"},
		"b": {"env": "dev", "tier": "web"},
		"c": {"env": "test"},
		"d": nil,
	} {
		if _, err := cms.Create(c, configMap(ns, name, labels), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	for _, tc := range []struct {
		labels, fields string
		want           []string
	}{
		{"", "", []string{"a", "b", "c", "d"}},
		{"env=prod", "", []string{"a"}},
		{"env!=prod", "", []string{"b", "c", "d"}},
		{"env in (dev,test)", "", []string{"b", "c"}},
		{"env notin (dev,test)", "", []string{"a", "d"}},
		{"tier", "", []string{"a", "b"}},
		{"!tier", "", []string{"c", "d"}},
		{"tier=web,env=dev", "", []string{"b"}},
		{"", "metadata.name=c", []string{"c"}},
		{"", "metadata.name!=c", []string{"a", "b", "d"}},
		{"tier", "metadata.name=c", nil},
		{"", "metadata.namespace=" + ns, []string{"a", "b", "c", "d"}},
	} {
		list, err := cms.List(c, metav1.ListOptions{LabelSelector: tc.labels, FieldSelector: tc.fields})
		if err != nil {
			t.Errorf("list labels %q fields %q: %v", tc.labels, tc.fields, err)
			continue
		}
		var got []string
		for _, it := range list.Items {
			got = append(got, it.Name)
		}
		if !sets.New(got...).Equal(sets.New(tc.want...)) || len(got) != len(tc.want) {
			t.Errorf("list labels %q fields %q: %v, want %v", tc.labels, tc.fields, got, tc.want)
		}
	}

	_, err := cms.List(c, metav1.ListOptions{FieldSelector: "data.k=v"})
	se := wantStatus(t, err, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	if !strings.Contains(se.ErrStatus.Message, "field label not supported") {
		t.Errorf("message %q, want field label not supported", se.ErrStatus.Message)
	}
	// Pods select on spec.nodeName and status.phase, as kubelets and kubectl do.
	if _, err := shared.client.CoreV1().Pods(ns).List(c, metav1.ListOptions{FieldSelector: "spec.nodeName=n1,status.phase=Running"}); err != nil {
		t.Errorf("pods by spec.nodeName and status.phase: %v", err)
	}
}

func TestListPaging(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	want := sets.New[string]()
	for i := 0; i < 25; i++ {
		name := fmt.Sprintf("cm-%02d", i)
		want.Insert(name)
		if _, err := cms.Create(c, configMap(ns, name, nil), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	got := sets.New[string]()
	var sizes []int
	opts := metav1.ListOptions{Limit: 10}
	rv := ""
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("paging does not end")
		}
		list, err := cms.List(c, opts)
		if err != nil {
			t.Fatalf("list page %d: %v", page, err)
		}
		if rv == "" {
			rv = list.ResourceVersion
		} else if list.ResourceVersion != rv {
			t.Errorf("page %d resourceVersion %s, want the first page's %s", page, list.ResourceVersion, rv)
		}
		sizes = append(sizes, len(list.Items))
		for _, it := range list.Items {
			if got.Has(it.Name) {
				t.Errorf("%s listed twice", it.Name)
			}
			got.Insert(it.Name)
		}
		if list.Continue == "" {
			if list.RemainingItemCount != nil && *list.RemainingItemCount != 0 {
				t.Errorf("last page remainingItemCount %d", *list.RemainingItemCount)
			}
			break
		}
		if list.RemainingItemCount != nil && int(*list.RemainingItemCount) != 25-got.Len() {
			t.Errorf("page %d remainingItemCount %d, want %d", page, *list.RemainingItemCount, 25-got.Len())
		}
		if page == 0 {
			// Writes after the first page do not show up in later pages.
			if _, err := cms.Create(c, configMap(ns, "cm-99", nil), metav1.CreateOptions{}); err != nil {
				t.Fatalf("create during paging: %v", err)
			}
		}
		opts.Continue = list.Continue
	}
	if fmt.Sprint(sizes) != "[10 10 5]" {
		t.Errorf("page sizes %v, want [10 10 5]", sizes)
	}
	if !got.Equal(want) {
		t.Errorf("paged names differ: missing %v, extra %v", want.Difference(got).UnsortedList(), got.Difference(want).UnsortedList())
	}
	_, err := cms.List(c, metav1.ListOptions{Limit: 10, Continue: "not-a-token"})
	wantStatus(t, err, http.StatusBadRequest, metav1.StatusReasonBadRequest)
}

func TestUpdateConflict(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	first, err := cms.Create(c, configMap(ns, "cm", nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	second := first.DeepCopy()
	first.Data["k"] = "one"
	updated, err := cms.Update(c, first, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.ResourceVersion == first.ResourceVersion {
		t.Errorf("resourceVersion unchanged by update")
	}
	second.Data["k"] = "two"
	_, err = cms.Update(c, second, metav1.UpdateOptions{})
	se := wantStatus(t, err, http.StatusConflict, metav1.StatusReasonConflict)
	want := `Operation cannot be fulfilled on configmaps "cm": the object has been modified; please apply your changes to the latest version and try again`
	if se.ErrStatus.Message != want {
		t.Errorf("message %q, want %q", se.ErrStatus.Message, want)
	}
	got, err := cms.Get(c, "cm", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "one" {
		t.Errorf("after conflict: %v %v, want data one", got.Data, err)
	}
	// An update without resourceVersion is unconditional.
	got.ResourceVersion = ""
	got.Data["k"] = "three"
	if _, err := cms.Update(c, got, metav1.UpdateOptions{}); err != nil {
		t.Errorf("unconditional update: %v", err)
	}
	// Updating what does not exist is 404 (configmaps do not allow create on update).
	_, err = cms.Update(c, configMap(ns, "absent", nil), metav1.UpdateOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
}

func TestDeletePreconditions(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	cm, err := cms.Create(c, configMap(ns, "cm", nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	wrong := types.UID("00000000-0000-0000-0000-000000000000")
	err = cms.Delete(c, "cm", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrong}})
	se := wantStatus(t, err, http.StatusConflict, metav1.StatusReasonConflict)
	if !strings.Contains(se.ErrStatus.Message, "Precondition failed: UID in precondition") {
		t.Errorf("message %q", se.ErrStatus.Message)
	}
	staleRV := "1"
	err = cms.Delete(c, "cm", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &staleRV}})
	wantStatus(t, err, http.StatusConflict, metav1.StatusReasonConflict)
	if _, err := cms.Get(c, "cm", metav1.GetOptions{}); err != nil {
		t.Fatalf("object gone after failed preconditions: %v", err)
	}
	// A dry run deletes nothing; an unknown propagation policy is refused.
	if err := cms.Delete(c, "cm", metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run delete: %v", err)
	}
	bogus := metav1.DeletionPropagation("Sideways")
	err = cms.Delete(c, "cm", metav1.DeleteOptions{PropagationPolicy: &bogus})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	if _, err := cms.Get(c, "cm", metav1.GetOptions{}); err != nil {
		t.Fatalf("object gone after failed preconditions or a dry run: %v", err)
	}
	if err := cms.Delete(c, "cm", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cm.UID}}); err != nil {
		t.Fatalf("delete with the right UID: %v", err)
	}
	_, err = cms.Get(c, "cm", metav1.GetOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
	err = cms.Delete(c, "cm", metav1.DeleteOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
}

func TestDeleteWithFinalizers(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	cm := configMap(ns, "held", nil)
	cm.Finalizers = []string{"example.com/a", "example.com/b"}
	if _, err := cms.Create(c, cm, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := cms.Delete(c, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	got, err := cms.Get(c, "held", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get after delete: %v", err)
	}
	if got.DeletionTimestamp == nil {
		t.Fatal("no deletionTimestamp on an object held by finalizers")
	}
	// New finalizers may not be added once deletion started.
	withNew := got.DeepCopy()
	withNew.Finalizers = append(withNew.Finalizers, "example.com/c")
	_, err = cms.Update(c, withNew, metav1.UpdateOptions{})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)

	got.Finalizers = []string{"example.com/b"}
	got, err = cms.Update(c, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("remove one finalizer: %v", err)
	}
	if got.DeletionTimestamp == nil {
		t.Error("deletionTimestamp lost while a finalizer remains")
	}
	got.Finalizers = nil
	if _, err := cms.Update(c, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove last finalizer: %v", err)
	}
	_, err = cms.Get(c, "held", metav1.GetOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
}

func TestDeleteCollection(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	for i := 0; i < 6; i++ {
		labels := map[string]string{"batch": "odd"}
		if i%2 == 0 {
			labels["batch"] = "even"
		}
		if _, err := cms.Create(c, configMap(ns, fmt.Sprintf("cm-%d", i), labels), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create: %v", err)
		}
	}
	if err := cms.DeleteCollection(c, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "batch=even"}); err != nil {
		t.Fatalf("deletecollection: %v", err)
	}
	list, err := cms.List(c, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var names []string
	for _, it := range list.Items {
		names = append(names, it.Name)
	}
	if fmt.Sprint(names) != "[cm-1 cm-3 cm-5]" {
		t.Errorf("left %v, want [cm-1 cm-3 cm-5]", names)
	}
}

// The object a client gets from create is the one a later get returns.
func TestCreateGetRoundTrip(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	created, err := shared.client.CoreV1().Pods(ns).Create(c, pod(ns, "p", map[string]string{"app": "x"}), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod: %v", err)
	}
	got, err := shared.client.CoreV1().Pods(ns).Get(c, "p", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get pod: %v", err)
	}
	if got.ResourceVersion != created.ResourceVersion || got.UID != created.UID {
		t.Errorf("get %s/%s, create %s/%s", got.UID, got.ResourceVersion, created.UID, created.ResourceVersion)
	}
	// Defaults are applied as kube-apiserver applies them.
	if got.Spec.RestartPolicy != corev1.RestartPolicyAlways || got.Spec.DNSPolicy != corev1.DNSClusterFirst ||
		got.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent || got.Spec.SchedulerName != corev1.DefaultSchedulerName {
		t.Errorf("pod defaults missing: %+v", got.Spec)
	}
	if time.Since(got.CreationTimestamp.Time) > time.Minute {
		t.Errorf("creationTimestamp %v", got.CreationTimestamp)
	}
	if err := shared.client.CoreV1().Pods(ns).Delete(c, "p", metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("delete pod: %v", err)
	}
}

// default, kube-system and kube-public may never be deleted (dry runs are
// checked the same way, so the shared server keeps them).
func TestImmortalNamespaces(t *testing.T) {
	c := ctx(t)
	dryRun := metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}
	for _, ns := range []string{"default", "kube-system", "kube-public"} {
		err := shared.client.CoreV1().Namespaces().Delete(c, ns, dryRun)
		se := wantStatus(t, err, http.StatusForbidden, metav1.StatusReasonForbidden)
		if want := `namespaces "` + ns + `" is forbidden: this namespace may not be deleted`; se.ErrStatus.Message != want {
			t.Errorf("message %q, want %q", se.ErrStatus.Message, want)
		}
	}
	if err := shared.client.CoreV1().Namespaces().Delete(c, "kube-node-lease", dryRun); err != nil {
		t.Errorf("dry-run delete of kube-node-lease: %v", err)
	}
}

// Pages of a filtered list hold only matches and still cover them all.
func TestListPagingWithSelector(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	want := sets.New[string]()
	for i := 0; i < 30; i++ {
		name := fmt.Sprintf("p-%02d", i)
		labels := map[string]string{}
		if i%3 == 0 {
			labels["pick"] = "y"
			want.Insert(name)
		}
		if _, err := cms.Create(c, configMap(ns, name, labels), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got := sets.New[string]()
	opts := metav1.ListOptions{Limit: 3, LabelSelector: "pick=y"}
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("paging does not end")
		}
		list, err := cms.List(c, opts)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if len(list.Items) > 3 {
			t.Errorf("page %d has %d items, limit 3", page, len(list.Items))
		}
		for _, it := range list.Items {
			if it.Labels["pick"] != "y" || got.Has(it.Name) {
				t.Errorf("page %d: %s (labels %v) unexpected or repeated", page, it.Name, it.Labels)
			}
			got.Insert(it.Name)
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	if !got.Equal(want) {
		t.Errorf("selected %v, want %v", sets.List(got), sets.List(want))
	}
}

// A resourceVersion the server has not reached is 504 with cause
// ResourceVersionTooLarge and Retry-After, after a short wait.
func TestTooLargeResourceVersion(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	for verb, path := range map[string]string{
		"list":  "/api/v1/namespaces/" + ns + "/configmaps?resourceVersion=99999999&resourceVersionMatch=NotOlderThan",
		"watch": "/api/v1/namespaces/" + ns + "/configmaps?watch=true&resourceVersion=99999999",
	} {
		t.Run(verb, func(t *testing.T) {
			t.Parallel()
			r := do(t, request{method: http.MethodGet, path: path})
			st := r.status(t)
			if r.code != http.StatusGatewayTimeout || st.Reason != metav1.StatusReasonTimeout {
				t.Fatalf("GET %s: %d %s %q, want 504 Timeout", path, r.code, st.Reason, st.Message)
			}
			if !strings.HasPrefix(st.Message, "Timeout: Too large resource version: 99999999, current: ") {
				t.Errorf("message %q", st.Message)
			}
			if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != metav1.CauseTypeResourceVersionTooLarge {
				t.Errorf("details %+v, want a ResourceVersionTooLarge cause", st.Details)
			}
			if r.header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After %q, want 1", r.header.Get("Retry-After"))
			}
		})
	}
}
