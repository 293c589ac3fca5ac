package cluster

import (
	"context"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/podstatus"
)

// webScript serves /cgi-bin/ip, which answers "<client address> <pod
// name>": the address the connection came from as the server pod saw it,
// and which pod answered.
const webScript = `mkdir -p /www/cgi-bin && cat > /www/cgi-bin/ip <<'EOF'
#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "$REMOTE_ADDR $(hostname)"
EOF
chmod +x /www/cgi-bin/ip && exec httpd -f -p 8080 -h /www`

// netPod is a busybox pod pinned to a node: a web server on 8080 when
// web, else a client that sleeps.
func netPod(name, node string, web bool) *corev1.Pod {
	c := corev1.Container{
		Name: "c", Image: busyboxImage, ImagePullPolicy: corev1.PullIfNotPresent,
		Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"},
	}
	labels := map[string]string{"pod": name}
	if web {
		labels["app"] = "web"
		c.Command = []string{"sh", "-c", webScript}
		c.Ports = []corev1.ContainerPort{{ContainerPort: 8080}}
		c.ReadinessProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/cgi-bin/ip", Port: intstr.FromInt32(8080)}},
			PeriodSeconds: 1,
		}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			NodeSelector:                  map[string]string{"kubernetes.io/hostname": node},
			Containers:                    []corev1.Container{c},
		},
	}
}

// webService serves the pods selected on port 80 (target 8080); clusterIP
// "None" makes it headless.
func webService(name string, selector map[string]string, typ corev1.ServiceType, clusterIP string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Type:      typ,
			ClusterIP: clusterIP,
			Selector:  selector,
			Ports:     []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
}

// waitPodsReady waits until the named pods in default are Ready and returns them.
func waitPodsReady(t *testing.T, kc kubernetes.Interface, names ...string) map[string]*corev1.Pod {
	t.Helper()
	pods := map[string]*corev1.Pod{}
	poll(t, 2*time.Minute, "pods "+strings.Join(names, ", ")+" Ready", func() (bool, error) {
		for _, n := range names {
			p, err := kc.CoreV1().Pods("default").Get(context.Background(), n, metav1.GetOptions{})
			if err != nil || !podstatus.Ready(p) || p.Status.PodIP == "" {
				return false, err
			}
			pods[n] = p
		}
		return true, nil
	})
	return pods
}

// execPod runs a command in a pod of default through kubectl exec and
// returns its combined output.
func execPod(kubeconfig, pod string, command ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--kubeconfig", kubeconfig, "exec", pod, "--"}, command...)
	out, err := exec.CommandContext(ctx, "kubectl", args...).CombinedOutput()
	return string(out), err
}

// fetch polls until a pod's wget of url succeeds and returns the body's
// fields: for /cgi-bin/ip, the client address the server saw and the
// answering pod; for the stand-in outside, the client address.
func fetch(t *testing.T, kubeconfig, pod, url string) []string {
	t.Helper()
	var body string
	poll(t, 30*time.Second, pod+" fetching "+url, func() (bool, error) {
		out, err := execPod(kubeconfig, pod, "wget", "-qO-", "-T", "3", url)
		body = out
		if err != nil {
			return false, &execError{err, out}
		}
		return true, nil
	})
	fields := strings.Fields(body)
	if len(fields) > 0 {
		fields[0] = plainAddr(fields[0])
	}
	return fields
}

// plainAddr writes an IPv4 address as dotted quad: busybox httpd listens
// on IPv6 and gives IPv4 clients as "[::ffff:a.b.c.d]".
func plainAddr(s string) string {
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return s
	}
	return a.Unmap().String()
}

// answeredBy reports whether /cgi-bin/ip's fields name one of pods.
func answeredBy(fields []string, pods ...string) bool {
	return len(fields) == 2 && slices.Contains(pods, fields[1])
}

// execError keeps a failed command's output for the poll's last error.
type execError struct {
	err error
	out string
}

func (e *execError) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.out) }

// containerState is what must survive an agent restart: the container's
// ID and how often it restarted.
func containerState(p *corev1.Pod) (id string, restarts int32) {
	if len(p.Status.ContainerStatuses) == 0 {
		return "", 0
	}
	s := p.Status.ContainerStatuses[0]
	return s.ContainerID, s.RestartCount
}
