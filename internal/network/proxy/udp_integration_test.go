package proxy

import (
	"net"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

// serveUDP answers every datagram to :5353 in ns with name.
func serveUDP(t *testing.T, ns, name string) {
	var c net.PacketConn
	if err := inNetns(ns, func() (err error) { c, err = net.ListenPacket("udp4", ":5353"); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 64)
		for {
			_, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = c.WriteTo([]byte(name), from)
		}
	}()
}

// A client keeping one UDP socket, as a resolver does, must follow the
// endpoints: its conntrack entry to an endpoint that left is forgotten.
func TestProxierMovesUDPClientsOffLeavingEndpoints(t *testing.T) {
	needRoot(t)
	n := newTestNode(t)
	serveUDP(t, n.pods[0], "pod1")
	serveUDP(t, n.pods[1], "pod2")
	udpSlice := func(eps ...ep) *discoveryv1.EndpointSlice {
		s := slice("default", "dns", "dns-1", 5353, eps...)
		s.Ports[0] = discoveryv1.EndpointPort{Name: ptr.To("dns"), Protocol: ptr.To(v1.ProtocolUDP), Port: ptr.To(int32(5353))}
		return s
	}
	client := fake.NewClientset(
		service("default", "dns", "10.0.0.60", func(s *v1.Service) {
			s.Spec.Ports = []v1.ServicePort{{Name: "dns", Protocol: v1.ProtocolUDP, Port: 53}}
		}),
		udpSlice(ep{ip: pod2IP, node: "node-a"}),
	)
	ctx := n.runProxier(t, client)

	var conn net.Conn
	if err := inNetns(n.client, func() (err error) { conn, err = net.Dial("udp4", "10.0.0.60:53"); return err }); err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	query := func() string {
		_, _ = conn.Write([]byte("q"))
		_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, 64)
		k, err := conn.Read(buf)
		if err != nil {
			return err.Error()
		}
		return string(buf[:k])
	}
	eventually(t, "pod2 answers", func() bool { return query() == "pod2" })

	s := udpSlice(ep{ip: pod1IP, node: "node-a"}, ep{ip: pod2IP, node: "node-a", notReady: true})
	if _, err := client.DiscoveryV1().EndpointSlices("default").Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last string
	eventually(t, "pod1 answers the same socket", func() bool { last = query(); return last == "pod1" })
	if strings.Contains(last, "pod2") {
		t.Fatal("the old endpoint still answers")
	}
}
