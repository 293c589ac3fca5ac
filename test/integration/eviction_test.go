package integration

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/server"
)

// TestEviction runs against a server of its own with no controllers: the
// tests write PodDisruptionBudget status as the disruption controller
// would, and nothing may rewrite it behind them.
func TestEviction(t *testing.T) {
	cs := apiServerOnly(t)
	for name, test := range map[string]func(*testing.T, kubernetes.Interface){
		"WithoutBudget":                     testEvictionWithoutBudget,
		"TakesADisruption":                  testEvictionTakesADisruption,
		"SkipsBudgetForPodsThatCannotCount": testEvictionSkipsBudgetForPodsThatCannotCount,
		"Refusals":                          testEvictionRefusals,
		"OfUnhealthyPods":                   testEvictionOfUnhealthyPods,
		"BodyMustNameThePod":                testEvictionBodyMustNameThePod,
		"Racing":                            testEvictionRacing,
	} {
		t.Run(name, func(t *testing.T) { test(t, cs) })
	}
}

// apiServerOnly starts a server running the API server alone and returns
// an admin client without client-side throttling.
func apiServerOnly(t *testing.T) kubernetes.Interface {
	t.Helper()
	dir := t.TempDir()
	ownServer(t, server.Config{DataDir: dir, Components: []string{server.ComponentAPIServer}})
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "admin.kubeconfig"))
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 1000, 2000
	return kubernetes.NewForConfigOrDie(cfg)
}

// apiNamespace creates a namespace for one test on cs.
func apiNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Create(ctx(t), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "it-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// runningPod creates a pod bound to a node and reports it Running (and
// Ready if asked), as the node agent would.
func runningPod(t *testing.T, cs kubernetes.Interface, ns, name string, labels map[string]string, ready bool) *corev1.Pod {
	t.Helper()
	pods := cs.CoreV1().Pods(ns)
	p := pod(ns, name, labels)
	p.Spec.NodeName = "node-1"
	p, err := pods.Create(ctx(t), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}
	if p, err = pods.UpdateStatus(ctx(t), p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("pod %s status: %v", name, err)
	}
	return p
}

// budget creates a PodDisruptionBudget over app=<app> and writes the status
// its controller would, observing the current generation.
func budget(t *testing.T, cs kubernetes.Interface, ns, name, app string, st policyv1.PodDisruptionBudgetStatus, mutate ...func(*policyv1.PodDisruptionBudget)) *policyv1.PodDisruptionBudget {
	t.Helper()
	pdbs := cs.PolicyV1().PodDisruptionBudgets(ns)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		},
	}
	for _, m := range mutate {
		m(pdb)
	}
	pdb, err := pdbs.Create(ctx(t), pdb, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pdb %s: %v", name, err)
	}
	st.ObservedGeneration = pdb.Generation
	pdb.Status = st
	if pdb, err = pdbs.UpdateStatus(ctx(t), pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("pdb %s status: %v", name, err)
	}
	return pdb
}

func evict(t *testing.T, cs kubernetes.Interface, ns, name string, opts *metav1.DeleteOptions) error {
	t.Helper()
	return cs.CoreV1().Pods(ns).EvictV1(ctx(t), &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, DeleteOptions: opts})
}

// wantCause fails unless err is a 429 whose DisruptionBudget cause says want.
func wantCause(t *testing.T, err error, want string) {
	t.Helper()
	se := wantStatus(t, err, http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests)
	if se.ErrStatus.Message != "Cannot evict pod as it would violate the pod's disruption budget." {
		t.Errorf("message %q", se.ErrStatus.Message)
	}
	if d := se.ErrStatus.Details; d == nil || len(d.Causes) != 1 || d.Causes[0].Type != policyv1.DisruptionBudgetCause || d.Causes[0].Message != want {
		t.Errorf("details %+v, want cause %q", se.ErrStatus.Details, want)
	}
}

func testEvictionWithoutBudget(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	if _, err := cs.CoreV1().Pods(ns).Create(ctx(t), pod(ns, "free", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := evict(t, cs, ns, "free", nil); err != nil {
		t.Fatalf("evict: %v", err)
	}
	_, err := cs.CoreV1().Pods(ns).Get(ctx(t), "free", metav1.GetOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
	// A stale UID precondition leaves the pod alone.
	runningPod(t, cs, ns, "other", nil, true)
	err = evict(t, cs, ns, "other", &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptr.To(types.UID("stale"))}})
	wantStatus(t, err, http.StatusConflict, metav1.StatusReasonConflict)
	if p, err := cs.CoreV1().Pods(ns).Get(ctx(t), "other", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Errorf("pod after a refused precondition: %v %+v", err, p)
	}
	wantStatus(t, evict(t, cs, ns, "absent", nil), http.StatusNotFound, metav1.StatusReasonNotFound)
}

func testEvictionTakesADisruption(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	pods := cs.CoreV1().Pods(ns)
	pdbs := cs.PolicyV1().PodDisruptionBudgets(ns)
	web := map[string]string{"app": "web"}
	runningPod(t, cs, ns, "a", web, true)
	runningPod(t, cs, ns, "b", web, true)
	budget(t, cs, ns, "keep", "web", policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, CurrentHealthy: 2, DesiredHealthy: 1, ExpectedPods: 2})

	// A dry run checks the budget and writes nothing.
	if err := evict(t, cs, ns, "a", &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run evict: %v", err)
	}
	if p, _ := pdbs.Get(ctx(t), "keep", metav1.GetOptions{}); p.Status.DisruptionsAllowed != 1 || len(p.Status.DisruptedPods) != 0 {
		t.Fatalf("dry run changed the budget: %+v", p.Status)
	}
	if p, err := pods.Get(ctx(t), "a", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil || len(p.Status.Conditions) != 1 {
		t.Fatalf("dry run touched the pod: %v %+v", err, p)
	}

	if err := evict(t, cs, ns, "a", &metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](20)}); err != nil {
		t.Fatalf("evict: %v", err)
	}
	p, err := pdbs.Get(ctx(t), "keep", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status.DisruptionsAllowed != 0 {
		t.Errorf("disruptionsAllowed = %d, want 0", p.Status.DisruptionsAllowed)
	}
	if at, ok := p.Status.DisruptedPods["a"]; !ok || time.Since(at.Time) > time.Minute {
		t.Errorf("disruptedPods = %v, want a", p.Status.DisruptedPods)
	}
	if c := meta.FindStatusCondition(p.Status.Conditions, policyv1.DisruptionAllowedCondition); c == nil || c.Status != metav1.ConditionFalse || c.Reason != policyv1.InsufficientPodsReason {
		t.Errorf("conditions = %+v", p.Status.Conditions)
	}
	// The pod runs on a node: it terminates with the eviction's grace period,
	// marked as disrupted by the eviction API.
	a, err := pods.Get(ctx(t), "a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.DeletionTimestamp == nil || a.DeletionGracePeriodSeconds == nil || *a.DeletionGracePeriodSeconds != 20 {
		t.Errorf("deletion %v grace %v, want marked with 20s", a.DeletionTimestamp, a.DeletionGracePeriodSeconds)
	}
	var target *corev1.PodCondition
	for i := range a.Status.Conditions {
		if a.Status.Conditions[i].Type == corev1.DisruptionTarget {
			target = &a.Status.Conditions[i]
		}
	}
	if target == nil || target.Status != corev1.ConditionTrue || target.Reason != "EvictionByEvictionAPI" || target.Message != "Eviction API: evicting" {
		t.Errorf("DisruptionTarget condition = %+v", target)
	}

	// The budget is used up: the next healthy pod stays.
	wantCause(t, evict(t, cs, ns, "b", nil), "The disruption budget keep needs 1 healthy pods and has 2 currently")
	if b, err := pods.Get(ctx(t), "b", metav1.GetOptions{}); err != nil || b.DeletionTimestamp != nil {
		t.Errorf("b after refused eviction: %v %v", err, b.DeletionTimestamp)
	}
	// Evicting a pod already being deleted skips the budget.
	if err := evict(t, cs, ns, "a", nil); err != nil {
		t.Errorf("evict terminating pod: %v", err)
	}
}

func testEvictionSkipsBudgetForPodsThatCannotCount(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	pods := cs.CoreV1().Pods(ns)
	web := map[string]string{"app": "web"}
	budget(t, cs, ns, "none", "web", policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 0, CurrentHealthy: 1, DesiredHealthy: 1})
	if _, err := pods.Create(ctx(t), pod(ns, "pending", web), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	failed := runningPod(t, cs, ns, "failed", web, false)
	failed.Status.Phase = corev1.PodFailed
	if _, err := pods.UpdateStatus(ctx(t), failed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pending", "failed"} {
		if err := evict(t, cs, ns, name, &metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
			t.Errorf("evict %s: %v", name, err)
		}
		_, err := pods.Get(ctx(t), name, metav1.GetOptions{})
		wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
	}
}

func testEvictionRefusals(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	pdbs := cs.PolicyV1().PodDisruptionBudgets(ns)
	runningPod(t, cs, ns, "stale", map[string]string{"app": "stale"}, true)
	p := budget(t, cs, ns, "stale", "stale", policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, CurrentHealthy: 1, DesiredHealthy: 0})
	// A spec change the budget controller has not observed yet.
	p.Spec.MinAvailable = ptr.To(intstr.FromInt32(0))
	if _, err := pdbs.Update(ctx(t), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	wantCause(t, evict(t, cs, ns, "stale", nil), "The disruption budget stale is still being processed by the server.")

	runningPod(t, cs, ns, "twice", map[string]string{"app": "twice"}, true)
	budget(t, cs, ns, "one", "twice", policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1})
	budget(t, cs, ns, "two", "twice", policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1})
	err := evict(t, cs, ns, "twice", nil)
	se := wantStatus(t, err, http.StatusInternalServerError, "")
	if se.ErrStatus.Message != "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support." {
		t.Errorf("message %q", se.ErrStatus.Message)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(ctx(t), "twice", metav1.GetOptions{}); err != nil {
		t.Errorf("pod gone after refused eviction: %v", err)
	}
}

func testEvictionOfUnhealthyPods(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	pods := cs.CoreV1().Pods(ns)
	pdbs := cs.PolicyV1().PodDisruptionBudgets(ns)
	always := func(p *policyv1.PodDisruptionBudget) {
		p.Spec.UnhealthyPodEvictionPolicy = ptr.To(policyv1.AlwaysAllow)
	}
	tests := []struct {
		app     string
		status  policyv1.PodDisruptionBudgetStatus
		mutate  []func(*policyv1.PodDisruptionBudget)
		evicted bool
	}{
		// IfHealthyBudget: the application is healthy without this pod.
		{app: "healthy", status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 2, DesiredHealthy: 2}, evicted: true},
		// IfHealthyBudget: it is not, and no disruption is left.
		{app: "unhealthy", status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 1, DesiredHealthy: 2}},
		{app: "always", status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 0, DesiredHealthy: 2}, mutate: []func(*policyv1.PodDisruptionBudget){always}, evicted: true},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			runningPod(t, cs, ns, tt.app, map[string]string{"app": tt.app}, false)
			budget(t, cs, ns, tt.app, tt.app, tt.status, tt.mutate...)
			err := evict(t, cs, ns, tt.app, &metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
			if !tt.evicted {
				wantCause(t, err, "The disruption budget unhealthy needs 2 healthy pods and has 1 currently")
				return
			}
			if err != nil {
				t.Fatalf("evict: %v", err)
			}
			_, err = pods.Get(ctx(t), tt.app, metav1.GetOptions{})
			wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
			// The unhealthy pod did not use up the budget.
			if p, err := pdbs.Get(ctx(t), tt.app, metav1.GetOptions{}); err != nil || len(p.Status.DisruptedPods) != 0 {
				t.Errorf("budget after evicting an unhealthy pod: %v %+v", err, p.Status)
			}
		})
	}
}

func testEvictionBodyMustNameThePod(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	runningPod(t, cs, ns, "p", nil, true)
	err := cs.CoreV1().Pods(ns).EvictV1(ctx(t), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: ns}})
	// client-go posts to the name in the body, so send it by hand.
	if !apierrors.IsNotFound(err) {
		t.Fatalf("evict q: %v", err)
	}
	body := mustJSON(t, &policyv1.Eviction{TypeMeta: metav1.TypeMeta{Kind: "Eviction", APIVersion: "policy/v1"}, ObjectMeta: metav1.ObjectMeta{Name: "q"}})
	err = cs.CoreV1().RESTClient().Post().Namespace(ns).Resource("pods").Name("p").SubResource("eviction").Body(body).Do(ctx(t)).Error()
	se := wantStatus(t, err, http.StatusBadRequest, metav1.StatusReasonBadRequest)
	if se.ErrStatus.Message != "name in URL does not match name in Eviction object" {
		t.Errorf("message %q", se.ErrStatus.Message)
	}
}

// Evictions racing for the budget's last disruption: exactly one wins.
func testEvictionRacing(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	web := map[string]string{"app": "web"}
	for i := range 5 {
		runningPod(t, cs, ns, fmt.Sprintf("p%d", i), web, true)
	}
	budget(t, cs, ns, "keep", "web", policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, CurrentHealthy: 5, DesiredHealthy: 4, ExpectedPods: 5})
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- evict(t, cs, ns, fmt.Sprintf("p%d", i), nil)
		}()
	}
	wg.Wait()
	close(errs)
	evicted := 0
	for err := range errs {
		switch {
		case err == nil:
			evicted++
		case !apierrors.IsTooManyRequests(err):
			t.Errorf("evict: %v", err)
		}
	}
	if evicted != 1 {
		t.Errorf("%d evictions went through, want 1", evicted)
	}
	p, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(ctx(t), "keep", metav1.GetOptions{})
	if err != nil || p.Status.DisruptionsAllowed != 0 || len(p.Status.DisruptedPods) != 1 {
		t.Errorf("budget after the race: %v %+v", err, p.Status)
	}
}
