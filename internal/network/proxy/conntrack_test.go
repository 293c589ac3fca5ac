package proxy

import (
	"context"
	"fmt"
	"net"
	"slices"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestForgetUDP(t *testing.T) {
	needRoot(t)
	ns := newNetns(t)
	// Conntrack only tracks a namespace whose rules use it.
	if err := nftIn(ns)(context.Background(), "table ip bt-ct {\n chain out {\n type filter hook output priority 0;\n ct state new accept\n }\n}\n"); err != nil {
		t.Fatal(err)
	}
	send := func(port int) {
		t.Helper()
		err := inNetns(ns, func() error {
			c, err := net.Dial("udp4", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.Write([]byte("hello"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	send(5353)
	send(5354)
	entries := func() []string {
		t.Helper()
		var got []string
		err := inNetns(ns, func() error {
			fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			return ctRequest(fd, ctMsgGet, unix.NLM_F_DUMP, nil, func(m syscall.NetlinkMessage) {
				for typ, a := range attrs(m.Data[4:]) {
					if typ == ctaTupleOrig {
						if _, dst, proto, dport := tuple(a); proto == unix.IPPROTO_UDP {
							got = append(got, fmt.Sprintf("%s:%d", dst, dport))
						}
					}
				}
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got
	}
	if got := entries(); !slices.Equal(got, []string{"127.0.0.1:5353", "127.0.0.1:5354"}) {
		t.Fatalf("conntrack has %v before", got)
	}
	for _, tc := range []struct {
		flows []UDPFlow
		want  []string
	}{
		{[]UDPFlow{{Addr: "127.0.0.1", Port: 5353, Endpoint: "10.9.9.9"}}, []string{"127.0.0.1:5353", "127.0.0.1:5354"}},
		{[]UDPFlow{{Addr: "127.0.0.2", Port: 5353}}, []string{"127.0.0.1:5353", "127.0.0.1:5354"}},
		{[]UDPFlow{{Addr: "127.0.0.1", Port: 5353, Endpoint: "127.0.0.1"}}, []string{"127.0.0.1:5354"}},
		{[]UDPFlow{{Port: 5354}}, nil},
	} {
		if err := inNetns(ns, func() error { return ForgetUDP(tc.flows) }); err != nil {
			t.Fatal(err)
		}
		if got := entries(); !slices.Equal(got, tc.want) {
			t.Fatalf("after forgetting %+v conntrack has %v, want %v", tc.flows, got, tc.want)
		}
	}
}
