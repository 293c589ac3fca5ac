package integration

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestQuota runs against a server of its own with no controllers: the
// tests write ResourceQuota status as the quota controller would, and
// what changes it afterwards is admission alone.
func TestQuota(t *testing.T) {
	cs := apiServerOnly(t)
	for name, test := range map[string]func(*testing.T, kubernetes.Interface){
		"CountsPods":             testQuotaCountsPods,
		"StatusUnknown":          testQuotaStatusUnknown,
		"MustSpecify":            testQuotaMustSpecify,
		"RacingCreates":          testQuotaRacingCreates,
		"ObjectCounts":           testQuotaObjectCounts,
		"ServiceUpdate":          testQuotaServiceUpdate,
		"Scopes":                 testQuotaScopes,
		"ComputeResourcesDryRun": testQuotaComputeDryRun,
	} {
		t.Run(name, func(t *testing.T) { test(t, cs) })
	}
}

func resources(kv ...string) corev1.ResourceList {
	l := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return l
}

// newResourceQuota creates a quota and, unless used is nil, writes the
// status the quota controller would (status.hard = spec.hard); it returns
// once the server's cache has the status admission reads.
func newResourceQuota(t *testing.T, cs kubernetes.Interface, ns, name string, hard, used corev1.ResourceList, mutate ...func(*corev1.ResourceQuota)) {
	t.Helper()
	quotas := cs.CoreV1().ResourceQuotas(ns)
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ResourceQuotaSpec{Hard: hard}}
	for _, m := range mutate {
		m(q)
	}
	q, err := quotas.Create(ctx(t), q, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create quota %s: %v", name, err)
	}
	if used != nil {
		q.Status = corev1.ResourceQuotaStatus{Hard: hard, Used: used}
		if q, err = quotas.UpdateStatus(ctx(t), q, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("quota %s status: %v", name, err)
		}
	}
	if _, err := quotas.List(ctx(t), metav1.ListOptions{ResourceVersion: q.ResourceVersion}); err != nil {
		t.Fatalf("list quotas: %v", err)
	}
}

// wantForbidden fails unless err is a 403 saying exactly msg.
func wantForbidden(t *testing.T, err error, msg string) {
	t.Helper()
	se := wantStatus(t, err, http.StatusForbidden, metav1.StatusReasonForbidden)
	if se.ErrStatus.Message != msg {
		t.Errorf("message\n %q, want\n %q", se.ErrStatus.Message, msg)
	}
}

// wantUsed fails unless the quota's status.used holds want (and maybe more).
func wantUsed(t *testing.T, cs kubernetes.Interface, ns, name string, want corev1.ResourceList) {
	t.Helper()
	q, err := cs.CoreV1().ResourceQuotas(ns).Get(ctx(t), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for n, w := range want {
		if got := q.Status.Used[n]; got.Cmp(w) != 0 {
			t.Errorf("used %s = %s, want %s (%v)", n, got.String(), w.String(), q.Status.Used)
		}
	}
}

func sized(ns, name, cpu, memory string) *corev1.Pod {
	p := pod(ns, name, nil)
	p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Requests: resources("cpu", cpu, "memory", memory), Limits: resources("cpu", cpu, "memory", memory)}
	return p
}

func testQuotaCountsPods(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	pods := cs.CoreV1().Pods(ns)
	newResourceQuota(t, cs, ns, "q", resources("pods", "2"), resources("pods", "0"))
	for _, n := range []string{"p1", "p2"} {
		if _, err := pods.Create(ctx(t), pod(ns, n, nil), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %s: %v", n, err)
		}
	}
	wantUsed(t, cs, ns, "q", resources("pods", "2"))
	_, err := pods.Create(ctx(t), pod(ns, "p3", nil), metav1.CreateOptions{})
	wantForbidden(t, err, `pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2`)
	wantUsed(t, cs, ns, "q", resources("pods", "2"))
}

func testQuotaStatusUnknown(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	pods := cs.CoreV1().Pods(ns)
	// Before the controller has written any status the quota limits nothing.
	newResourceQuota(t, cs, ns, "fresh", resources("pods", "0"), nil)
	if _, err := pods.Create(ctx(t), pod(ns, "early", nil), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create before quota status: %v", err)
	}
	// Limits known, usage not yet counted: refused.
	newResourceQuota(t, cs, ns, "counting", resources("pods", "5", "count/pods", "5"), corev1.ResourceList{})
	_, err := pods.Create(ctx(t), pod(ns, "late", nil), metav1.CreateOptions{})
	wantForbidden(t, err, `pods "late" is forbidden: status unknown for quota: counting, resources: count/pods,pods`)
}

func testQuotaMustSpecify(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	newResourceQuota(t, cs, ns, "q", resources("limits.cpu", "4", "requests.memory", "4Gi"), resources("limits.cpu", "0", "requests.memory", "0"))
	_, err := cs.CoreV1().Pods(ns).Create(ctx(t), pod(ns, "x", nil), metav1.CreateOptions{})
	wantForbidden(t, err, `pods "x" is forbidden: failed quota: q: must specify limits.cpu for: app; requests.memory for: app`)
	if _, err := cs.CoreV1().Pods(ns).Create(ctx(t), sized(ns, "y", "1", "1Gi"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create with resources: %v", err)
	}
	wantUsed(t, cs, ns, "q", resources("limits.cpu", "1", "requests.memory", "1Gi"))
}

func testQuotaComputeDryRun(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	pods := cs.CoreV1().Pods(ns)
	newResourceQuota(t, cs, ns, "compute", resources("requests.cpu", "2", "requests.memory", "2Gi"), resources("requests.cpu", "1500m", "requests.memory", "0"))
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	if _, err := pods.Create(ctx(t), sized(ns, "fits", "500m", "1Gi"), dry); err != nil {
		t.Fatalf("dry-run create: %v", err)
	}
	wantUsed(t, cs, ns, "compute", resources("requests.cpu", "1500m", "requests.memory", "0"))
	_, err := pods.Create(ctx(t), sized(ns, "big", "1", "1Gi"), dry)
	wantForbidden(t, err, `pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=1500m, limited: requests.cpu=2`)
	if _, err := pods.Create(ctx(t), sized(ns, "fits", "500m", "1Gi"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	wantUsed(t, cs, ns, "compute", resources("requests.cpu", "2", "requests.memory", "1Gi"))
}

func testQuotaObjectCounts(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	cms := cs.CoreV1().ConfigMaps(ns)
	newResourceQuota(t, cs, ns, "objects", resources("count/configmaps", "1", "configmaps", "5", "count/deployments.apps", "0"),
		resources("count/configmaps", "0", "configmaps", "0", "count/deployments.apps", "0"))
	if _, err := cms.Create(ctx(t), configMap(ns, "one", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := cms.Create(ctx(t), configMap(ns, "two", nil), metav1.CreateOptions{})
	wantForbidden(t, err, `configmaps "two" is forbidden: exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1`)
	wantUsed(t, cs, ns, "objects", resources("count/configmaps", "1", "configmaps", "1"))
	// An update of a kind charged only on creation changes nothing.
	one, err := cms.Get(ctx(t), "one", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	one.Data = map[string]string{"k": "changed"}
	if _, err := cms.Update(ctx(t), one, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func testQuotaServiceUpdate(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	svcs := cs.CoreV1().Services(ns)
	newResourceQuota(t, cs, ns, "svc", resources("services", "2", "services.nodeports", "0"), resources("services", "0", "services.nodeports", "0"))
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.ServiceSpec{
		Ports: []corev1.ServicePort{{Port: 80}}, Selector: map[string]string{"app": "web"}}}
	svc, err := svcs.Create(ctx(t), svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantUsed(t, cs, ns, "svc", resources("services", "1"))
	// Turning it into a NodePort Service would take a node port it may not have.
	svc.Spec.Type = corev1.ServiceTypeNodePort
	_, err = svcs.Update(ctx(t), svc, metav1.UpdateOptions{})
	wantForbidden(t, err, `services "web" is forbidden: exceeded quota: svc, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0`)
	wantUsed(t, cs, ns, "svc", resources("services", "1"))
}

func testQuotaScopes(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	pods := cs.CoreV1().Pods(ns)
	newResourceQuota(t, cs, ns, "besteffort", resources("pods", "0"), resources("pods", "0"), func(q *corev1.ResourceQuota) {
		q.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}
	})
	_, err := pods.Create(ctx(t), pod(ns, "free", nil), metav1.CreateOptions{})
	wantForbidden(t, err, `pods "free" is forbidden: exceeded quota: besteffort, requested: pods=1, used: pods=0, limited: pods=0`)
	// A pod outside the scope is not the quota's business.
	if _, err := pods.Create(ctx(t), sized(ns, "sized", "100m", "64Mi"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create outside the scope: %v", err)
	}
	wantUsed(t, cs, ns, "besteffort", resources("pods", "0"))
}

// Creates racing for the last units get exactly as many as the quota has:
// each charge is written with the quota's resourceVersion.
func testQuotaRacingCreates(t *testing.T, cs kubernetes.Interface) {
	ns := apiNamespace(t, cs)
	newResourceQuota(t, cs, ns, "q", resources("configmaps", "3"), resources("configmaps", "0"))
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx(t), configMap(ns, fmt.Sprintf("c%d", i), nil), metav1.CreateOptions{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	created := 0
	for err := range errs {
		switch {
		case err == nil:
			created++
		case !apierrors.IsForbidden(err):
			t.Errorf("create: %v", err)
		}
	}
	if created != 3 {
		t.Errorf("created %d configmaps, want 3", created)
	}
	wantUsed(t, cs, ns, "q", resources("configmaps", "3"))
}
