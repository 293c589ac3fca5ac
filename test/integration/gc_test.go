package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/controller/garbagecollector"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// holdFinalizer keeps a dependent around so a test can watch its owner wait.
const holdFinalizer = "integration.bosun.dev/hold"

// gcEnv is a server of its own with the garbage collector running against
// it (the shared server runs none, so its deletes leave dependents alone).
func gcEnv(t *testing.T, workers int) (*testenv.Env, string) {
	t.Helper()
	env := testenv.Start(t, "")
	gc := garbagecollector.New(env.Client, metadata.NewForConfigOrDie(env.Config),
		discovery.NewDiscoveryClientForConfigOrDie(env.Config), record.NewFakeRecorder(100),
		garbagecollector.Options{DiscoveryPeriod: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { gc.Run(ctx, workers); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	ns, err := env.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gc"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return env, ns.Name
}

func ownerRef(apiVersion, kind, name string, uid types.UID, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, BlockOwnerDeletion: ptr.To(block)}
}

func cmOwnedBy(ns, name string, refs ...metav1.OwnerReference) *corev1.ConfigMap {
	cm := configMap(ns, name, nil)
	cm.OwnerReferences = refs
	return cm
}

func mustCreateCM(t *testing.T, c kubernetes.Interface, cm *corev1.ConfigMap) *corev1.ConfigMap {
	t.Helper()
	out, err := c.CoreV1().ConfigMaps(cm.Namespace).Create(context.Background(), cm, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create configmap %s: %v", cm.Name, err)
	}
	return out
}

func waitGone(t *testing.T, what string, get func(context.Context) error) {
	t.Helper()
	poll(t, 20*time.Second, what+" to be collected", func(ctx context.Context) (bool, error) {
		err := get(ctx)
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

func getCM(c kubernetes.Interface, ns, name string) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		return err
	}
}

func TestGarbageCollector(t *testing.T) {
	env, ns := gcEnv(t, 2)
	c := env.Client
	bg := context.Background()

	t.Run("background deletion collects dependents", func(t *testing.T) {
		owner := mustCreateCM(t, c, configMap(ns, "bg-owner", nil))
		mustCreateCM(t, c, cmOwnedBy(ns, "bg-dep", ownerRef("v1", "ConfigMap", owner.Name, owner.UID, false)))
		p := pod(ns, "bg-pod", nil)
		p.OwnerReferences = []metav1.OwnerReference{ownerRef("v1", "ConfigMap", owner.Name, owner.UID, true)}
		if _, err := c.CoreV1().Pods(ns).Create(bg, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := c.CoreV1().ConfigMaps(ns).Delete(bg, owner.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, "bg-dep", getCM(c, ns, "bg-dep"))
		waitGone(t, "bg-pod", func(ctx context.Context) error {
			_, err := c.CoreV1().Pods(ns).Get(ctx, "bg-pod", metav1.GetOptions{})
			return err
		})
	})

	t.Run("dependent of an owner that never existed is collected", func(t *testing.T) {
		mustCreateCM(t, c, cmOwnedBy(ns, "dangling", ownerRef("v1", "ConfigMap", "nobody", "0000-none", false)))
		waitGone(t, "dangling", getCM(c, ns, "dangling"))
	})

	t.Run("an owner recreated under the same name does not save the dependent", func(t *testing.T) {
		old := mustCreateCM(t, c, configMap(ns, "reborn", nil))
		if err := c.CoreV1().ConfigMaps(ns).Delete(bg, old.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		mustCreateCM(t, c, configMap(ns, "reborn", nil))
		mustCreateCM(t, c, cmOwnedBy(ns, "reborn-dep", ownerRef("v1", "ConfigMap", "reborn", old.UID, false)))
		waitGone(t, "reborn-dep", getCM(c, ns, "reborn-dep"))
	})

	t.Run("a cluster-scoped owner is looked up without a namespace", func(t *testing.T) {
		pc, err := c.SchedulingV1().PriorityClasses().Create(bg, &schedulingv1.PriorityClass{
			ObjectMeta: metav1.ObjectMeta{Name: "gc-owner"}, Value: 10}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// The dangling second reference makes the collector look at the
		// dependent now; finding the PriorityClass, it only drops that one.
		mustCreateCM(t, c, cmOwnedBy(ns, "cluster-dep", ownerRef("scheduling.k8s.io/v1", "PriorityClass", pc.Name, pc.UID, false),
			ownerRef("v1", "ConfigMap", "nobody", "0000-gone", false)))
		poll(t, 20*time.Second, "dangling reference dropped", func(ctx context.Context) (bool, error) {
			dep, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "cluster-dep", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return len(dep.OwnerReferences) == 1 && dep.OwnerReferences[0].UID == pc.UID, nil
		})
		if err := c.SchedulingV1().PriorityClasses().Delete(bg, pc.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, "cluster-dep", getCM(c, ns, "cluster-dep"))
	})

	t.Run("a dependent with a live owner only loses the dangling reference", func(t *testing.T) {
		a := mustCreateCM(t, c, configMap(ns, "two-a", nil))
		b := mustCreateCM(t, c, configMap(ns, "two-b", nil))
		mustCreateCM(t, c, cmOwnedBy(ns, "two-dep",
			ownerRef("v1", "ConfigMap", a.Name, a.UID, false), ownerRef("v1", "ConfigMap", b.Name, b.UID, false)))
		if err := c.CoreV1().ConfigMaps(ns).Delete(bg, a.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		poll(t, 20*time.Second, "reference to two-a removed", func(ctx context.Context) (bool, error) {
			dep, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "two-dep", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return len(dep.OwnerReferences) == 1 && dep.OwnerReferences[0].UID == b.UID, nil
		})
	})

	t.Run("foreground deletion waits for blocking dependents", func(t *testing.T) {
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: "fg", Namespace: ns},
			Spec: appsv1.ReplicaSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "fg"}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "fg"}},
					Spec:       pod(ns, "", nil).Spec,
				},
			},
		}
		rs, err := c.AppsV1().ReplicaSets(ns).Create(bg, rs, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ref := ownerRef("apps/v1", "ReplicaSet", rs.Name, rs.UID, true)
		ref.Controller = ptr.To(true)
		for _, name := range []string{"fg-1", "fg-2", "fg-held"} {
			p := pod(ns, name, map[string]string{"app": "fg"})
			p.OwnerReferences = []metav1.OwnerReference{ref}
			if name == "fg-held" {
				p.Finalizers = []string{holdFinalizer}
			}
			if _, err := c.CoreV1().Pods(ns).Create(bg, p, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		// A non-blocking dependent is deleted too, but not waited for.
		mustCreateCM(t, c, cmOwnedBy(ns, "fg-cm", ownerRef("apps/v1", "ReplicaSet", rs.Name, rs.UID, false)))
		if err := c.AppsV1().ReplicaSets(ns).Delete(bg, rs.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"fg-1", "fg-2"} {
			waitGone(t, name, func(ctx context.Context) error {
				_, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
				return err
			})
		}
		waitGone(t, "fg-cm", getCM(c, ns, "fg-cm"))
		held, err := c.CoreV1().Pods(ns).Get(bg, "fg-held", metav1.GetOptions{})
		if err != nil || held.DeletionTimestamp == nil {
			t.Fatalf("held pod should be terminating: %v %v", err, held)
		}
		got, err := c.AppsV1().ReplicaSets(ns).Get(bg, rs.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("owner must wait for its blocking dependent: %v", err)
		}
		if got.DeletionTimestamp == nil || !slices.Contains(got.Finalizers, metav1.FinalizerDeleteDependents) {
			t.Fatalf("owner: deletionTimestamp %v finalizers %v", got.DeletionTimestamp, got.Finalizers)
		}
		held.Finalizers = nil
		if _, err := c.CoreV1().Pods(ns).Update(bg, held, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, "replica set fg", func(ctx context.Context) error {
			_, err := c.AppsV1().ReplicaSets(ns).Get(ctx, rs.Name, metav1.GetOptions{})
			return err
		})
	})

	t.Run("foreground deletion propagates down a chain", func(t *testing.T) {
		top := mustCreateCM(t, c, configMap(ns, "chain-top", nil))
		mid := mustCreateCM(t, c, cmOwnedBy(ns, "chain-mid", ownerRef("v1", "ConfigMap", top.Name, top.UID, true)))
		leaf := cmOwnedBy(ns, "chain-leaf", ownerRef("v1", "ConfigMap", mid.Name, mid.UID, true))
		leaf.Finalizers = []string{holdFinalizer}
		leaf = mustCreateCM(t, c, leaf)
		if err := c.CoreV1().ConfigMaps(ns).Delete(bg, top.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)}); err != nil {
			t.Fatal(err)
		}
		poll(t, 20*time.Second, "middle deleted in the foreground", func(ctx context.Context) (bool, error) {
			m, err := c.CoreV1().ConfigMaps(ns).Get(ctx, mid.Name, metav1.GetOptions{})
			return err == nil && m.DeletionTimestamp != nil && slices.Contains(m.Finalizers, metav1.FinalizerDeleteDependents), err
		})
		if _, err := c.CoreV1().ConfigMaps(ns).Get(bg, top.Name, metav1.GetOptions{}); err != nil {
			t.Fatalf("top must wait for the chain: %v", err)
		}
		if _, err := c.CoreV1().ConfigMaps(ns).Patch(bg, leaf.Name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, "chain-top", getCM(c, ns, top.Name))
		waitGone(t, "chain-mid", getCM(c, ns, mid.Name))
	})

	t.Run("orphan deletion keeps dependents and drops their references", func(t *testing.T) {
		owner := mustCreateCM(t, c, configMap(ns, "or-owner", nil))
		other := mustCreateCM(t, c, configMap(ns, "or-other", nil))
		mustCreateCM(t, c, cmOwnedBy(ns, "or-dep", ownerRef("v1", "ConfigMap", owner.Name, owner.UID, true),
			ownerRef("v1", "ConfigMap", other.Name, other.UID, false)))
		if err := c.CoreV1().ConfigMaps(ns).Delete(bg, owner.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationOrphan)}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, "or-owner", getCM(c, ns, owner.Name))
		dep, err := c.CoreV1().ConfigMaps(ns).Get(bg, "or-dep", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("orphaned dependent must stay: %v", err)
		}
		if len(dep.OwnerReferences) != 1 || dep.OwnerReferences[0].UID != other.UID {
			t.Fatalf("orphaned dependent references %v, want only or-other", dep.OwnerReferences)
		}
	})

	t.Run("a custom resource owned by a ConfigMap is collected", func(t *testing.T) {
		crd := &apiextv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: "gadgets.gc.bosun.dev"},
			Spec: apiextv1.CustomResourceDefinitionSpec{
				Group: "gc.bosun.dev", Scope: apiextv1.NamespaceScoped,
				Names: apiextv1.CustomResourceDefinitionNames{Plural: "gadgets", Singular: "gadget", Kind: "Gadget", ListKind: "GadgetList"},
				Versions: []apiextv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
					Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
						Type: "object", XPreserveUnknownFields: ptr.To(true)}}}},
			},
		}
		if _, err := apiextclient.NewForConfigOrDie(env.Config).ApiextensionsV1().CustomResourceDefinitions().Create(bg, crd, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		gvr := schema.GroupVersionResource{Group: "gc.bosun.dev", Version: "v1", Resource: "gadgets"}
		gadgets := dynamic.NewForConfigOrDie(env.Config).Resource(gvr).Namespace(ns)
		owner := mustCreateCM(t, c, configMap(ns, "cr-owner", nil))
		g := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "gc.bosun.dev/v1", "kind": "Gadget",
			"metadata": map[string]any{"name": "g1"}}}
		g.SetOwnerReferences([]metav1.OwnerReference{ownerRef("v1", "ConfigMap", owner.Name, owner.UID, true)})
		poll(t, 20*time.Second, "gadget created", func(ctx context.Context) (bool, error) {
			_, err := gadgets.Create(ctx, g, metav1.CreateOptions{})
			return err == nil, nil
		})
		if err := c.CoreV1().ConfigMaps(ns).Delete(bg, owner.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitGone(t, "gadget g1", func(ctx context.Context) error {
			_, err := gadgets.Get(ctx, "g1", metav1.GetOptions{})
			return err
		})
	})

	t.Run("kubectl delete --cascade", func(t *testing.T) {
		kubectl, err := exec.LookPath("kubectl")
		if err != nil {
			t.Fatalf("kubectl not on PATH (make deps-test installs it): %v", err)
		}
		run := func(args ...string) {
			t.Helper()
			cmd := exec.Command(kubectl, append([]string{"--kubeconfig", env.Kubeconfig, "-n", ns}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		fg := mustCreateCM(t, c, configMap(ns, "k-fg", nil))
		mustCreateCM(t, c, cmOwnedBy(ns, "k-fg-dep", ownerRef("v1", "ConfigMap", fg.Name, fg.UID, true)))
		// kubectl waits for the owner to go, which it does only after the
		// collector removed the blocking dependent.
		run("delete", "configmap", fg.Name, "--cascade=foreground", "--timeout=20s")
		if err := getCM(c, ns, "k-fg-dep")(bg); !apierrors.IsNotFound(err) {
			t.Fatalf("dependent must be gone before its foreground-deleted owner: %v", err)
		}
		or := mustCreateCM(t, c, configMap(ns, "k-or", nil))
		mustCreateCM(t, c, cmOwnedBy(ns, "k-or-dep", ownerRef("v1", "ConfigMap", or.Name, or.UID, true)))
		run("delete", "configmap", or.Name, "--cascade=orphan", "--timeout=20s")
		dep, err := c.CoreV1().ConfigMaps(ns).Get(bg, "k-or-dep", metav1.GetOptions{})
		if err != nil || len(dep.OwnerReferences) != 0 {
			t.Fatalf("orphaned dependent: %v %v", err, dep)
		}
	})
}

// The API server's half of propagation, on the shared server where no
// collector runs: the finalizers a delete leaves are exactly kube-apiserver's.
func TestDeletePropagationFinalizers(t *testing.T) {
	ns := newNamespace(t)
	cms := shared.client.CoreV1().ConfigMaps(ns)
	bg := context.Background()
	policy := func(p metav1.DeletionPropagation) metav1.DeleteOptions {
		return metav1.DeleteOptions{PropagationPolicy: &p}
	}
	finalizers := func(name string) []string {
		t.Helper()
		cm, err := cms.Get(bg, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		if cm.DeletionTimestamp == nil {
			t.Fatalf("%s has no deletionTimestamp", name)
		}
		return cm.Finalizers
	}
	mustDelete := func(name string, opts metav1.DeleteOptions) {
		t.Helper()
		if err := cms.Delete(bg, name, opts); err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
	}

	mustCreateCM(t, shared.client, configMap(ns, "switch", nil))
	mustDelete("switch", policy(metav1.DeletePropagationOrphan))
	if got := finalizers("switch"); !slices.Equal(got, []string{metav1.FinalizerOrphanDependents}) {
		t.Fatalf("after Orphan: finalizers %v", got)
	}
	mustDelete("switch", metav1.DeleteOptions{})
	if got := finalizers("switch"); !slices.Equal(got, []string{metav1.FinalizerOrphanDependents}) {
		t.Fatalf("a delete without a policy keeps the pending one: finalizers %v", got)
	}
	mustDelete("switch", policy(metav1.DeletePropagationForeground))
	if got := finalizers("switch"); !slices.Equal(got, []string{metav1.FinalizerDeleteDependents}) {
		t.Fatalf("after Foreground: finalizers %v", got)
	}
	mustDelete("switch", policy(metav1.DeletePropagationBackground))
	if err := getCM(shared.client, ns, "switch")(bg); !apierrors.IsNotFound(err) {
		t.Fatalf("Background on a pending foreground deletion removes the object: %v", err)
	}

	held := configMap(ns, "held", nil)
	held.Finalizers = []string{holdFinalizer}
	mustCreateCM(t, shared.client, held)
	mustDelete("held", policy(metav1.DeletePropagationForeground))
	if got := finalizers("held"); !slices.Equal(got, []string{holdFinalizer, metav1.FinalizerDeleteDependents}) {
		t.Fatalf("foreground on a held object: finalizers %v", got)
	}
	mustDelete("held", policy(metav1.DeletePropagationBackground))
	if got := finalizers("held"); !slices.Equal(got, []string{holdFinalizer}) {
		t.Fatalf("background keeps other finalizers: %v", got)
	}
	if _, err := cms.Patch(bg, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := getCM(shared.client, ns, "held")(bg); !apierrors.IsNotFound(err) {
		t.Fatalf("object without finalizers must be gone: %v", err)
	}

	mustCreateCM(t, shared.client, configMap(ns, "legacy", nil))
	opts := metav1.DeleteOptions{}
	//lint:ignore SA1019 the legacy field is what this checks.
	opts.OrphanDependents = ptr.To(true)
	mustDelete("legacy", opts)
	if got := finalizers("legacy"); !slices.Equal(got, []string{metav1.FinalizerOrphanDependents}) {
		t.Fatalf("orphanDependents=true: finalizers %v", got)
	}

	mustCreateCM(t, shared.client, configMap(ns, "dry", nil))
	dry := policy(metav1.DeletePropagationOrphan)
	dry.DryRun = []string{metav1.DryRunAll}
	mustDelete("dry", dry)
	if cm, err := cms.Get(bg, "dry", metav1.GetOptions{}); err != nil || cm.DeletionTimestamp != nil || len(cm.Finalizers) != 0 {
		t.Fatalf("a dry run changes nothing: %v %+v", err, cm)
	}

	for _, name := range []string{"coll-1", "coll-2"} {
		mustCreateCM(t, shared.client, configMap(ns, name, map[string]string{"coll": "yes"}))
	}
	if err := cms.DeleteCollection(bg, policy(metav1.DeletePropagationOrphan), metav1.ListOptions{LabelSelector: "coll=yes"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"coll-1", "coll-2"} {
		if got := finalizers(name); !slices.Equal(got, []string{metav1.FinalizerOrphanDependents}) {
			t.Fatalf("delete collection with Orphan: %s finalizers %v", name, got)
		}
	}

	// No collector runs here: release what is left so the namespace can go.
	for _, name := range []string{"legacy", "coll-1", "coll-2"} {
		mustDelete(name, policy(metav1.DeletePropagationBackground))
		if err := getCM(shared.client, ns, name)(bg); !apierrors.IsNotFound(err) {
			t.Fatalf("%s should be gone after Background: %v", name, err)
		}
	}
}

// TestGarbageCollectorScale: the pods of many ReplicaSets are collected
// once their owners go, from one watch per resource and no re-listing.
// 2,000 pods of 20 ReplicaSets by default, to keep `make test` short;
// BOSUN_GC_SCALE=full runs 10,000 pods of 100 (about a minute here).
func TestGarbageCollectorScale(t *testing.T) {
	if testing.Short() {
		t.Skip("creates thousands of pods")
	}
	owners, perOwner := 20, 100
	if os.Getenv("BOSUN_GC_SCALE") == "full" {
		owners = 100
	}
	// 20 workers, as Kubernetes runs by default: deletes are bound by
	// etcd's commit latency, which concurrent writers share.
	env, ns := gcEnv(t, 20)
	c := env.Client
	bg := context.Background()
	var uids []types.UID
	for i := range owners {
		name := fmt.Sprintf("rs-%d", i)
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: appsv1.ReplicaSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"rs": name}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"rs": name}}, Spec: pod(ns, "", nil).Spec},
			},
		}
		rs, err := c.AppsV1().ReplicaSets(ns).Create(bg, rs, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, rs.UID)
	}
	start := time.Now()
	// 16 writers at once: enough to load the server, few enough for 2 cores.
	var wg sync.WaitGroup
	var failed sync.Once
	var createErr error
	sem := make(chan struct{}, 16)
	for i := range owners {
		for j := range perOwner {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				p := pod(ns, fmt.Sprintf("rs-%d-%d", i, j), nil)
				p.OwnerReferences = []metav1.OwnerReference{ownerRef("apps/v1", "ReplicaSet", fmt.Sprintf("rs-%d", i), uids[i], true)}
				if _, err := c.CoreV1().Pods(ns).Create(bg, p, metav1.CreateOptions{}); err != nil {
					failed.Do(func() { createErr = err })
				}
			})
		}
	}
	wg.Wait()
	if createErr != nil {
		t.Fatal(createErr)
	}
	t.Logf("created %d pods in %v", owners*perOwner, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if err := c.AppsV1().ReplicaSets(ns).DeleteCollection(bg, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	md := metadata.NewForConfigOrDie(env.Config).Resource(corev1.SchemeGroupVersion.WithResource("pods")).Namespace(ns)
	err := wait.PollUntilContextTimeout(bg, time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := md.List(ctx, metav1.ListOptions{Limit: 1})
		return err == nil && len(list.Items) == 0, err
	})
	if err != nil {
		t.Fatalf("pods not collected: %v", err)
	}
	t.Logf("collected %d pods of %d deleted ReplicaSets in %v", owners*perOwner, owners, time.Since(start).Round(time.Millisecond))
}
