package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
)

func TestStatusSubresource(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	deps := shared.client.AppsV1().Deployments(ns)
	d, err := deps.Create(c, deployment(ns, "web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	// The main resource ignores status.
	d.Status.Replicas = 7
	d.Spec.Replicas = ptr.To[int32](2)
	d, err = deps.Update(c, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if d.Status.Replicas != 0 || *d.Spec.Replicas != 2 {
		t.Errorf("after main update: status.replicas %d spec.replicas %d, want 0 and 2", d.Status.Replicas, *d.Spec.Replicas)
	}
	// /status ignores everything but status.
	d.Status.Replicas = 3
	d.Spec.Replicas = ptr.To[int32](9)
	d.Labels = map[string]string{"sneaky": "true"}
	d, err = deps.UpdateStatus(c, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if d.Status.Replicas != 3 || *d.Spec.Replicas != 2 || d.Labels["sneaky"] != "" {
		t.Errorf("after status update: status.replicas %d spec.replicas %d labels %v, want 3, 2, none", d.Status.Replicas, *d.Spec.Replicas, d.Labels)
	}
	got, err := deps.Get(c, "web", metav1.GetOptions{})
	if err != nil || got.Status.Replicas != 3 || *got.Spec.Replicas != 2 {
		t.Errorf("stored: %+v %v", got.Status, err)
	}
	// A status patch works the same way.
	got, err = deps.Patch(c, "web", types.MergePatchType, []byte(`{"status":{"readyReplicas":1},"spec":{"replicas":5}}`), metav1.PatchOptions{}, "status")
	if err != nil || got.Status.ReadyReplicas != 1 || *got.Spec.Replicas != 2 {
		t.Errorf("status patch: %+v spec %d %v", got.Status, *got.Spec.Replicas, err)
	}
}

func TestScaleSubresource(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	deps := shared.client.AppsV1().Deployments(ns)
	if _, err := deps.Create(c, deployment(ns, "web"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create: %v", err)
	}
	sc, err := deps.GetScale(c, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get scale: %v", err)
	}
	if sc.Spec.Replicas != 1 || sc.Name != "web" || sc.Status.Selector != "app=web" {
		t.Errorf("scale %+v", sc)
	}
	sc.Spec.Replicas = 4
	sc, err = deps.UpdateScale(c, "web", sc, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update scale: %v", err)
	}
	if sc.Spec.Replicas != 4 {
		t.Errorf("scale after update: %d", sc.Spec.Replicas)
	}
	d, err := deps.Get(c, "web", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 4 {
		t.Errorf("deployment replicas %d (%v), want 4", *d.Spec.Replicas, err)
	}
	// A stale Scale conflicts like any update.
	stale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns, ResourceVersion: "1"}, Spec: autoscalingv1.ScaleSpec{Replicas: 2}}
	_, err = deps.UpdateScale(c, "web", stale, metav1.UpdateOptions{})
	wantStatus(t, err, http.StatusConflict, metav1.StatusReasonConflict)
	// Negative replicas are invalid.
	sc.Spec.Replicas = -1
	_, err = deps.UpdateScale(c, "web", sc, metav1.UpdateOptions{})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	// Patching the scale, as kubectl scale does.
	r := do(t, request{method: http.MethodPatch, path: "/apis/apps/v1/namespaces/" + ns + "/deployments/web/scale",
		body: []byte(`{"spec":{"replicas":6}}`), headers: map[string]string{"Content-Type": string(types.MergePatchType)}})
	var patched autoscalingv1.Scale
	if err := json.Unmarshal(r.body, &patched); r.code != http.StatusOK || err != nil || patched.Kind != "Scale" || patched.Spec.Replicas != 6 {
		t.Errorf("scale patch: %d %s", r.code, truncate(r.body))
	}
}

func TestPodBinding(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	pods := shared.client.CoreV1().Pods(ns)
	if _, err := pods.Create(c, pod(ns, "p", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}
	if err := pods.Bind(c, b, metav1.CreateOptions{}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	got, err := pods.Get(c, "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.NodeName != "node-1" {
		t.Errorf("nodeName %q, want node-1", got.Spec.NodeName)
	}
	scheduled := false
	for _, cond := range got.Status.Conditions {
		if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionTrue {
			scheduled = true
		}
	}
	if !scheduled {
		t.Errorf("no PodScheduled=True condition: %+v", got.Status.Conditions)
	}
	b.Target.Name = "node-2"
	err = pods.Bind(c, b, metav1.CreateOptions{})
	wantStatus(t, err, http.StatusConflict, metav1.StatusReasonConflict)
	// A bound pod is deleted gracefully: it stays until its node confirms.
	if err := pods.Delete(c, "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err = pods.Get(c, "p", metav1.GetOptions{})
	if err != nil || got.DeletionTimestamp == nil {
		t.Fatalf("bound pod after delete: %v (deletionTimestamp %v)", err, got.DeletionTimestamp)
	}
	if err := pods.Delete(c, "p", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
		t.Fatal(err)
	}
	_, err = pods.Get(c, "p", metav1.GetOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
}

func TestNamespaceFinalize(t *testing.T) {
	c := ctx(t)
	nsName := newNamespace(t)
	namespaces := shared.client.CoreV1().Namespaces()
	ns, err := namespaces.Get(c, nsName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
		t.Errorf("new namespace finalizers %v, want [kubernetes]", ns.Spec.Finalizers)
	}
	ns.Spec.Finalizers = nil
	ns, err = namespaces.Finalize(c, ns, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("finalize: %v", err)
	}
	if len(ns.Spec.Finalizers) != 0 {
		t.Errorf("finalizers after finalize: %v", ns.Spec.Finalizers)
	}
	// Without finalizers an empty namespace goes at once.
	if err := namespaces.Delete(c, nsName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = namespaces.Get(c, nsName, metav1.GetOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
}

func TestServiceAccountToken(t *testing.T) {
	c := ctx(t)
	ns := newNamespace(t)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot", Namespace: ns}}
	if _, err := shared.client.CoreV1().ServiceAccounts(ns).Create(c, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := shared.client.CoreV1().ServiceAccounts(ns).CreateToken(c, "robot", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	if strings.Count(tr.Status.Token, ".") != 2 || tr.Status.ExpirationTimestamp.IsZero() {
		t.Fatalf("token %q expiring %v, want a JWT", tr.Status.Token, tr.Status.ExpirationTimestamp)
	}

	// The token alone (no client certificate) authenticates.
	cfg := &rest.Config{Host: shared.config.Host, BearerToken: tr.Status.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: shared.config.CAData, CAFile: shared.config.CAFile}}
	client := kubernetes.NewForConfigOrDie(cfg)
	if _, err := client.CoreV1().ConfigMaps(ns).List(c, metav1.ListOptions{}); err != nil {
		t.Errorf("list with the token: %v", err)
	}
	ssr, err := client.AuthenticationV1().SelfSubjectReviews().Create(c, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if want := "system:serviceaccount:" + ns + ":robot"; ssr.Status.UserInfo.Username != want {
		t.Errorf("whoami %q, want %q", ssr.Status.UserInfo.Username, want)
	}
	if !contains(ssr.Status.UserInfo.Groups, "system:serviceaccounts") || !contains(ssr.Status.UserInfo.Groups, "system:serviceaccounts:"+ns) {
		t.Errorf("groups %v", ssr.Status.UserInfo.Groups)
	}

	// Too short a lifetime is invalid; an unknown account is 404.
	_, err = shared.client.CoreV1().ServiceAccounts(ns).CreateToken(c, "robot", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](60)},
	}, metav1.CreateOptions{})
	wantStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid)
	_, err = shared.client.CoreV1().ServiceAccounts(ns).CreateToken(c, "nobody", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	wantStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound)
}

func TestAccessReviews(t *testing.T) {
	c := ctx(t)
	ssar, err := shared.client.AuthorizationV1().SelfSubjectAccessReviews().Create(c, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: "default", Verb: "create", Resource: "pods",
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("selfsubjectaccessreview: %v", err)
	}
	if !ssar.Status.Allowed {
		t.Errorf("admin may not create pods: %+v", ssar.Status)
	}
	ssr, err := shared.client.AuthenticationV1().SelfSubjectReviews().Create(c, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if ssr.Status.UserInfo.Username == "" || !contains(ssr.Status.UserInfo.Groups, "system:masters") {
		t.Errorf("admin whoami %+v, want a system:masters user", ssr.Status.UserInfo)
	}
	_, err = shared.client.AuthorizationV1().SelfSubjectAccessReviews().Create(c, &authorizationv1.SelfSubjectAccessReview{}, metav1.CreateOptions{})
	if err == nil {
		t.Error("a review with no attributes was accepted")
	}
}
