package endpointslice_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/bosun-dev/bosun/internal/controller/endpointslice"
	"github.com/bosun-dev/bosun/internal/testenv"
)

func TestIntegrationSlicesFollowPods(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	env := testenv.Start(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := env.Client
	factory := informers.NewSharedInformerFactory(cs, 0)
	c := endpointslice.New(cs, factory, record.NewFakeRecorder(100))
	factory.Start(ctx.Done())
	go c.Run(ctx, 2)

	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{corev1.LabelTopologyZone: "zone-a"}}}
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}},
	}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The placeholder comes first, before any pod exists.
	waitSlices(t, cs, func(s []discoveryv1.EndpointSlice) bool { return len(s) == 1 && len(s[0].Endpoints) == 0 })

	for i := 1; i <= 2; i++ {
		runPod(ctx, t, cs, fmt.Sprintf("web-%d", i), fmt.Sprintf("10.244.0.%d", i))
	}
	waitSlices(t, cs, func(s []discoveryv1.EndpointSlice) bool {
		if len(s) != 1 || len(s[0].Endpoints) != 2 || *s[0].Ports[0].Port != 8080 {
			return false
		}
		ep := s[0].Endpoints[0]
		return *ep.Conditions.Ready && ep.Zone != nil && *ep.Zone == "zone-a" && *ep.NodeName == "node-1" &&
			s[0].OwnerReferences[0].Kind == "Service"
	})

	pod, err := cs.CoreV1().Pods("default").Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
	if _, err := cs.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSlices(t, cs, func(s []discoveryv1.EndpointSlice) bool {
		e := byPod(s, "web-1")
		return e != nil && !*e.Conditions.Ready && !*e.Conditions.Serving
	})

	// A deleted pod is either terminating (ready false) or gone, never ready.
	if err := cs.CoreV1().Pods("default").Delete(ctx, "web-2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSlices(t, cs, func(s []discoveryv1.EndpointSlice) bool {
		e := byPod(s, "web-2")
		return e == nil || (*e.Conditions.Terminating && !*e.Conditions.Ready)
	})
}

func byPod(slices []discoveryv1.EndpointSlice, name string) *discoveryv1.Endpoint {
	for _, s := range slices {
		for i, e := range s.Endpoints {
			if e.TargetRef != nil && e.TargetRef.Name == name {
				return &s.Endpoints[i]
			}
		}
	}
	return nil
}

func runPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, name, ip string) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Image: "nginx",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
	}
	created, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Status.Phase, created.Status.PodIP, created.Status.PodIPs = corev1.PodRunning, ip, []corev1.PodIP{{IP: ip}}
	created.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := cs.CoreV1().Pods("default").UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func waitSlices(t *testing.T, cs kubernetes.Interface, ok func([]discoveryv1.EndpointSlice) bool) {
	t.Helper()
	var last []discoveryv1.EndpointSlice
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := cs.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
		if err != nil {
			return false, nil
		}
		last = list.Items
		return ok(list.Items), nil
	})
	if err != nil {
		t.Fatalf("slices never matched; last: %+v", last)
	}
}
