package agent_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/bosun-dev/bosun/internal/podstatus"
	"github.com/bosun-dev/bosun/internal/testenv"
)

// TestNodeAndNetwork checks the Node the agent keeps (status, Lease), a
// static pod from its manifest directory, and pod networking on one node:
// addresses from the podCIDR, pod-to-pod HTTP, a hostPort and hostNetwork.
func TestNodeAndNetwork(t *testing.T) {
	env := testenv.StartWith(t, testenv.Options{Agent: true})
	image := env.Busybox(t)
	ctx := context.Background()

	server := sleeper("web", image)
	server.Spec.Containers[0].Command = []string{"sh", "-c", "mkdir /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"}
	server.Spec.Containers[0].Ports = []v1.ContainerPort{{ContainerPort: 8080, HostPort: 18080 + int32(os.Getpid()%1000)}}
	hostNet := sleeper("hostnet", image)
	hostNet.Spec.HostNetwork = true
	client := sleeper("client", image)
	manifest := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: static
  namespace: default
spec:
  containers:
  - name: c
    image: %s
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
`, image)
	manifestPath := filepath.Join(env.AgentDataDir, "manifests", "static.yaml")
	if err := os.WriteFile(manifestPath, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	runReady(t, env, server, hostNet, client)
	node, err := env.Client.CoreV1().Nodes().Get(ctx, env.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var nodeIP string
	for _, a := range node.Status.Addresses {
		if a.Type == v1.NodeInternalIP {
			nodeIP = a.Address
		}
	}

	t.Run("status", func(t *testing.T) {
		for _, list := range []v1.ResourceList{node.Status.Capacity, node.Status.Allocatable} {
			for _, r := range []v1.ResourceName{v1.ResourceCPU, v1.ResourceMemory, v1.ResourceEphemeralStorage, v1.ResourcePods} {
				if q, ok := list[r]; !ok || q.Sign() <= 0 {
					t.Errorf("node %s missing or zero in %v", r, list)
				}
			}
		}
		if pods := node.Status.Capacity[v1.ResourcePods]; pods.Value() != 110 {
			t.Errorf("pods capacity %v, want 110", pods.String())
		}
		wantLabels := map[string]string{"kubernetes.io/hostname": env.NodeName, "kubernetes.io/os": "linux", "kubernetes.io/arch": runtime.GOARCH}
		for k, v := range wantLabels {
			if node.Labels[k] != v {
				t.Errorf("node label %s = %q, want %q", k, node.Labels[k], v)
			}
		}
		if nodeIP == "" || net.ParseIP(nodeIP) == nil {
			t.Errorf("node addresses %v have no InternalIP", node.Status.Addresses)
		}
		info := node.Status.NodeInfo
		if v := info.ContainerRuntimeVersion; !strings.HasPrefix(v, "containerd://1.") {
			t.Errorf("containerRuntimeVersion %q", v)
		}
		if info.OperatingSystem != "linux" || info.Architecture != runtime.GOARCH || info.KernelVersion == "" || info.OSImage == "" || info.BootID == "" || info.KubeletVersion == "" {
			t.Errorf("nodeInfo %+v", info)
		}
		var hostname string
		for _, a := range node.Status.Addresses {
			if a.Type == v1.NodeHostName {
				hostname = a.Address
			}
		}
		if hostname != env.NodeName {
			t.Errorf("Hostname address %q, want the node name %q given to the agent", hostname, env.NodeName)
		}
		ready := false
		for _, c := range node.Status.Conditions {
			ready = ready || c.Type == v1.NodeReady && c.Status == v1.ConditionTrue && c.Reason == "KubeletReady"
		}
		if !ready {
			t.Errorf("node not Ready with reason KubeletReady: %+v", node.Status.Conditions)
		}
		// kubelet records NodeNotReady only when a Ready node turns; a new
		// node's first NotReady status (no pod network yet) records nothing.
		evs, err := env.Client.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Node,source=kubelet"})
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, e := range evs.Items {
			reasons = append(reasons, e.Reason)
		}
		if slices.Contains(reasons, "NodeNotReady") || !slices.Contains(reasons, "Starting") || !slices.Contains(reasons, "NodeHasSufficientMemory") {
			t.Errorf("node events from kubelet %v", reasons)
		}
		if node.Status.DaemonEndpoints.KubeletEndpoint.Port == 0 {
			t.Error("no kubelet endpoint port in the node status")
		}
		err = wait.PollUntilContextTimeout(ctx, time.Second, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			n, err := env.Client.CoreV1().Nodes().Get(ctx, env.NodeName, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			for _, img := range n.Status.Images {
				for _, name := range img.Names {
					if strings.HasSuffix(name, image) {
						return img.SizeBytes > 0, nil
					}
				}
			}
			return false, nil
		})
		if err != nil {
			t.Errorf("node images never list %s", image)
		}
	})
	t.Run("lease", func(t *testing.T) {
		leases := env.Client.CoordinationV1().Leases(v1.NamespaceNodeLease)
		first, err := leases.Get(ctx, env.NodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if first.Spec.HolderIdentity == nil || *first.Spec.HolderIdentity != env.NodeName || len(first.OwnerReferences) != 1 || first.OwnerReferences[0].Kind != "Node" {
			t.Errorf("lease holder %v, owners %v", first.Spec.HolderIdentity, first.OwnerReferences)
		}
		err = wait.PollUntilContextTimeout(ctx, time.Second, 30*time.Second, false, func(ctx context.Context) (bool, error) {
			l, err := leases.Get(ctx, env.NodeName, metav1.GetOptions{})
			return err == nil && l.Spec.RenewTime.After(first.Spec.RenewTime.Time), nil
		})
		if err != nil {
			t.Errorf("lease not renewed since %v", first.Spec.RenewTime)
		}
	})
	t.Run("staticPod", func(t *testing.T) {
		name := "static-" + env.NodeName
		p := waitPod(t, env, "default", name, "Ready", podstatus.Ready)
		if p.Annotations[v1.MirrorPodAnnotationKey] == "" || p.Annotations["kubernetes.io/config.source"] != "file" {
			t.Errorf("mirror pod annotations %v", p.Annotations)
		}
		if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].Kind != "Node" || p.OwnerReferences[0].Name != env.NodeName {
			t.Errorf("mirror pod owners %v, want its Node", p.OwnerReferences)
		}
		// An edited manifest replaces the pod.
		edited := strings.Replace(manifest, "sleep 3600", "sleep 3601", 1)
		if err := os.WriteFile(manifestPath, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		waitPod(t, env, "default", name, "replaced and Ready", func(q *v1.Pod) bool {
			return q.UID != p.UID && podstatus.Ready(q) && strings.Contains(strings.Join(q.Spec.Containers[0].Command, " "), "sleep 3601")
		})
		if err := os.Remove(manifestPath); err != nil {
			t.Fatal(err)
		}
		err := wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := env.Client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			return err != nil, nil
		})
		if err != nil {
			t.Error("mirror pod still there after its manifest was removed")
		}
	})
	t.Run("network", func(t *testing.T) {
		_, cidr, err := net.ParseCIDR(node.Spec.PodCIDR)
		if err != nil {
			t.Fatalf("node podCIDR %q: %v", node.Spec.PodCIDR, err)
		}
		ips := map[string]string{}
		for _, name := range []string{"web", "client", "hostnet"} {
			p, err := env.Client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ips[name] = p.Status.PodIP
		}
		for _, name := range []string{"web", "client"} {
			if ip := net.ParseIP(ips[name]); ip == nil || !cidr.Contains(ip) {
				t.Errorf("pod %s IP %q not in the node's podCIDR %s", name, ips[name], cidr)
			}
		}
		if ips["web"] == ips["client"] {
			t.Errorf("two pods share IP %s", ips["web"])
		}
		if ips["hostnet"] != nodeIP {
			t.Errorf("hostNetwork pod IP %q, want the node IP %q", ips["hostnet"], nodeIP)
		}
		if h, _ := os.Hostname(); strings.TrimSpace(kubectl(t, env, "exec", "hostnet", "--", "hostname")) != h {
			t.Errorf("hostNetwork pod's hostname is not the host's %q", h)
		}
		// Debian's static busybox wget crashes with -T; kubectl's own
		// timeout bounds it.
		out := kubectl(t, env, "exec", "client", "--", "wget", "-qO-", "http://"+ips["web"]+":8080/")
		if strings.TrimSpace(out) != "hello-from-web" {
			t.Errorf("pod-to-pod HTTP: %q", out)
		}
		hostPort := server.Spec.Containers[0].Ports[0].HostPort
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(fmt.Sprintf("http://%s:%d/", nodeIP, hostPort))
		if err != nil {
			// Concurrent test clusters may share a pod range; the route
			// says whether the pod's subnet went to another bridge.
			route, _ := exec.Command("ip", "route", "get", ips["web"]).CombinedOutput()
			t.Fatalf("hostPort %d on the node IP: %v (route to pod %s: %s)", hostPort, err, ips["web"], strings.TrimSpace(string(route)))
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.TrimSpace(string(body)) != "hello-from-web" {
			t.Errorf("hostPort answer %q", body)
		}
		// Pods reach a hostPort on their node's IP too.
		out = kubectl(t, env, "exec", "client", "--", "wget", "-qO-", fmt.Sprintf("http://%s:%d/", nodeIP, hostPort))
		if strings.TrimSpace(out) != "hello-from-web" {
			t.Errorf("hostPort from a pod: %q", out)
		}
	})
}
