package integration

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/bosun-dev/bosun/internal/testenv"
)

// Objects, service allocations and UIDs survive Stop and Start on the same
// data dir (SIGKILL durability is tested elsewhere).
func TestRestart(t *testing.T) {
	env := testenv.Start(t, "")
	client := env.Client
	c := ctx(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kept"}}
	if _, err := client.CoreV1().Namespaces().Create(c, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cm, err := client.CoreV1().ConfigMaps("kept").Create(c, configMap("kept", "cm", nil), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var before []*corev1.Service
	for i := 0; i < 5; i++ {
		typ := corev1.ServiceTypeClusterIP
		if i%2 == 1 {
			typ = corev1.ServiceTypeNodePort
		}
		svc, err := client.CoreV1().Services("kept").Create(c, service("kept", fmt.Sprintf("old-%d", i), typ), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, svc)
	}
	cm.Data["k"] = "v2"
	if _, err := client.CoreV1().ConfigMaps("kept").Update(c, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	env.Stop()
	env = testenv.Start(t, env.DataDir)
	client = env.Client

	got, err := client.CoreV1().ConfigMaps("kept").Get(c, "cm", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("configmap after restart: %v", err)
	}
	if got.UID != cm.UID || got.Data["k"] != "v2" {
		t.Errorf("configmap after restart: uid %s data %v", got.UID, got.Data)
	}
	for _, svc := range before {
		got, err := client.CoreV1().Services("kept").Get(c, svc.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("service %s after restart: %v", svc.Name, err)
		}
		if got.Spec.ClusterIP != svc.Spec.ClusterIP || got.Spec.Ports[0].NodePort != svc.Spec.Ports[0].NodePort {
			t.Errorf("service %s allocation changed: %s:%d -> %s:%d", svc.Name,
				svc.Spec.ClusterIP, svc.Spec.Ports[0].NodePort, got.Spec.ClusterIP, got.Spec.Ports[0].NodePort)
		}
	}
	// New services never get an address or node port held before the restart.
	takenPorts := map[int32]string{}
	for _, svc := range before {
		if p := svc.Spec.Ports[0].NodePort; p != 0 {
			takenPorts[p] = svc.Name
		}
	}
	for i := 0; i < 30; i++ {
		svc, err := client.CoreV1().Services("kept").Create(c, service("kept", fmt.Sprintf("new-%d", i), corev1.ServiceTypeNodePort), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create after restart: %v", err)
		}
		if old, dup := takenPorts[svc.Spec.Ports[0].NodePort]; dup {
			t.Errorf("%s got node port %d of %s", svc.Name, svc.Spec.Ports[0].NodePort, old)
		}
		takenPorts[svc.Spec.Ports[0].NodePort] = svc.Name
	}
	serviceIPs(t, client) // fails on duplicates

	// A watch from before the restart either replays what followed (from
	// etcd's history) or, as kube-apiserver's fresh watch cache does, tells
	// the client to relist with 410.
	w, err := client.CoreV1().ConfigMaps("kept").Watch(c, metav1.ListOptions{ResourceVersion: cm.ResourceVersion})
	if err != nil {
		wantStatus(t, err, http.StatusGone, metav1.StatusReasonExpired)
		return
	}
	defer w.Stop()
	select {
	case ev := <-w.ResultChan():
		switch o := ev.Object.(type) {
		case *metav1.Status:
			if ev.Type != watch.Error || o.Code != http.StatusGone || o.Reason != metav1.StatusReasonExpired {
				t.Errorf("watch from before the restart: %s %+v, want ERROR 410 Expired", ev.Type, o)
			}
		case *corev1.ConfigMap:
			if ev.Type != watch.Modified || o.Name != "cm" || o.Data["k"] != "v2" {
				t.Errorf("watch from before the restart: %s %s %v, want MODIFIED cm v2", ev.Type, o.Name, o.Data)
			}
		default:
			t.Errorf("watch from before the restart: %s %T", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Error("watch from before the restart: no event")
	}
}

// serviceIPs lists the clusterIPs of every service.
func serviceIPs(t *testing.T, client kubernetes.Interface) map[string]string {
	t.Helper()
	list, err := client.CoreV1().Services("").List(ctx(t), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range list.Items {
		if s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone {
			if other, dup := out[s.Spec.ClusterIP]; dup {
				t.Errorf("%s/%s and %s share %s", s.Namespace, s.Name, other, s.Spec.ClusterIP)
			}
			out[s.Spec.ClusterIP] = s.Namespace + "/" + s.Name
		}
	}
	return out
}
