package cluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// services: a ClusterIP Service reached by name through cluster DNS from
// a node running none of its pods, a headless one resolving to its pods'
// addresses, a NodePort one answering from the host on every node.
func services(t *testing.T, nc *netCluster) {
	ctx := context.Background()
	webs := []string{"web-0", "web-1"}
	svc, err := nc.kc.CoreV1().Services("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if addrs := resolve(t, nc, "web.default.svc.cluster.local", 1); !slices.Equal(addrs, []string{svc.Spec.ClusterIP}) {
		t.Errorf("web.default.svc.cluster.local resolves to %v, want its ClusterIP %s", addrs, svc.Spec.ClusterIP)
	}
	for _, url := range []string{"http://web.default.svc.cluster.local/cgi-bin/ip", "http://web/cgi-bin/ip"} {
		if got := fetch(t, nc.kubeconfig, "client", url); !answeredBy(got, webs...) {
			t.Errorf("client fetching %s got %v, want an answer from one of %v", url, got, webs)
		}
	}

	want := []string{nc.pods["web-0"].Status.PodIP, nc.pods["web-1"].Status.PodIP}
	slices.Sort(want)
	if got := resolve(t, nc, "web-headless.default.svc.cluster.local", 2); !slices.Equal(got, want) {
		t.Errorf("headless web-headless resolves to %v, want its pods' addresses %v", got, want)
	}

	np, err := nc.kc.CoreV1().Services("default").Get(ctx, "web-np", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(int(np.Spec.Ports[0].NodePort))
	for _, n := range nc.c.Nodes {
		body := hostGet(t, "http://"+net.JoinHostPort(n.IP, port)+"/cgi-bin/ip")
		if !answeredBy(strings.Fields(body), webs...) {
			t.Errorf("NodePort %s on %s (%s) from the host answered %q, want one of %v", port, n.Name, n.IP, body, webs)
		}
	}
}

// resolve polls until the client's nslookup of name gives want addresses
// and returns them sorted.
func resolve(t *testing.T, nc *netCluster, name string, want int) []string {
	t.Helper()
	var addrs []string
	var out string
	poll(t, 30*time.Second, fmt.Sprintf("client resolving %s to %d addresses", name, want), func() (bool, error) {
		var err error
		out, err = execPod(nc.kubeconfig, "client", "nslookup", name)
		addrs = nslookupAddrs(out)
		if err != nil {
			return false, &execError{err, out}
		}
		return len(addrs) == want, nil
	})
	t.Logf("client's nslookup %s:\n%s", name, out)
	return addrs
}

// nslookupAddrs reads busybox nslookup's answers: the "Address: " lines
// after the first "Name:" (those before it name the server), sorted.
func nslookupAddrs(out string) []string {
	var addrs []string
	answers := false
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Name:") {
			answers = true
		}
		if a, ok := strings.CutPrefix(line, "Address:"); ok && answers {
			addrs = append(addrs, strings.TrimSpace(a))
		}
	}
	slices.Sort(addrs)
	return addrs
}

// hostGet polls a URL from the host until it answers 200 and returns the body.
func hostGet(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	var body string
	poll(t, 30*time.Second, "the host fetching "+url, func() (bool, error) {
		resp, err := client.Get(url)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		body = string(b)
		return err == nil && resp.StatusCode == http.StatusOK, err
	})
	return body
}
