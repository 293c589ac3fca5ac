package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// UDP has no connection end for conntrack to notice: a client that keeps
// sending to a service (a DNS resolver) keeps its entry, and with it the
// DNAT to an endpoint that may be gone, until it idles out. So, as
// kube-proxy does, the proxy deletes the entries of endpoints that left and
// of addresses that had no endpoints (their packets were refused, and the
// entry would keep them from the new DNAT).

// UDPFlow names UDP conntrack entries to forget: sent to Addr:Port (Addr
// empty for a node port, on any address) and answered by Endpoint (empty
// for any).
type UDPFlow struct {
	Addr     string
	Port     int32
	Endpoint string
}

// ctnetlink message types and attributes (linux/netfilter/nfnetlink_conntrack.h).
const (
	ctMsgGet       = 1
	ctMsgDelete    = 2
	ctaTupleOrig   = 1
	ctaTupleReply  = 2
	ctaTupleIP     = 1
	ctaTupleProto  = 2
	ctaIPv4Src     = 1
	ctaIPv4Dst     = 2
	ctaProtoNum    = 1
	ctaProtoDstPrt = 3
	nlaTypeMask    = 0x3fff
)

// ForgetUDP deletes the conntrack entries matching flows from the caller's
// network namespace.
func ForgetUDP(flows []UDPFlow) error {
	if len(flows) == 0 {
		return nil
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return fmt.Errorf("forget udp flows: open ctnetlink: %w", err)
	}
	defer unix.Close(fd)
	byPort := map[int32][]UDPFlow{}
	for _, f := range flows {
		byPort[f.Port] = append(byPort[f.Port], f)
	}
	var victims [][]byte
	err = ctRequest(fd, ctMsgGet, unix.NLM_F_DUMP, nil, func(m syscall.NetlinkMessage) {
		if orig, ok := matchUDP(m.Data, byPort); ok {
			victims = append(victims, orig)
		}
	})
	if err != nil {
		return fmt.Errorf("forget udp flows: list conntrack: %w", err)
	}
	for _, orig := range victims {
		// Gone already (it expired, or another flow matched it) is fine.
		if err := ctRequest(fd, ctMsgDelete, unix.NLM_F_ACK, orig, nil); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("forget udp flows: delete entry: %w", err)
		}
	}
	return nil
}

// matchUDP says whether a conntrack entry (nfgenmsg + attributes) is one
// of the flows, given by port, and returns its original-direction tuple
// attribute to delete it by.
func matchUDP(data []byte, byPort map[int32][]UDPFlow) ([]byte, bool) {
	if len(data) < 4 {
		return nil, false
	}
	var orig, reply []byte
	for typ, a := range attrs(data[4:]) {
		switch typ {
		case ctaTupleOrig:
			orig = a
		case ctaTupleReply:
			reply = a
		}
	}
	if orig == nil || reply == nil {
		return nil, false
	}
	_, dst, proto, dport := tuple(orig)
	from, _, _, _ := tuple(reply)
	if proto != unix.IPPROTO_UDP {
		return nil, false
	}
	for _, f := range byPort[int32(dport)] {
		if (f.Addr == "" || f.Addr == dst) && (f.Endpoint == "" || f.Endpoint == from) {
			return nlattr(ctaTupleOrig|unix.NLA_F_NESTED, orig), true
		}
	}
	return nil, false
}

// tuple reads a CTA_TUPLE_* payload.
func tuple(b []byte) (src, dst string, proto uint8, dport uint16) {
	for typ, a := range attrs(b) {
		switch typ {
		case ctaTupleIP:
			for t, v := range attrs(a) {
				if ip, ok := netip.AddrFromSlice(v); ok && (t == ctaIPv4Src || t == ctaIPv4Dst) {
					if t == ctaIPv4Src {
						src = ip.String()
					} else {
						dst = ip.String()
					}
				}
			}
		case ctaTupleProto:
			for t, v := range attrs(a) {
				switch {
				case t == ctaProtoNum && len(v) == 1:
					proto = v[0]
				case t == ctaProtoDstPrt && len(v) == 2:
					dport = binary.BigEndian.Uint16(v)
				}
			}
		}
	}
	return src, dst, proto, dport
}

// attrs iterates netlink attributes, nested flag masked off the type.
func attrs(b []byte) func(func(uint16, []byte) bool) {
	return func(yield func(uint16, []byte) bool) {
		for len(b) >= 4 {
			l := int(binary.NativeEndian.Uint16(b))
			if l < 4 || l > len(b) {
				return
			}
			if !yield(binary.NativeEndian.Uint16(b[2:])&nlaTypeMask, b[4:l]) {
				return
			}
			b = b[min(len(b), (l+3)&^3):]
		}
	}
}

func nlattr(typ uint16, payload []byte) []byte {
	b := make([]byte, 4, 4+len(payload)+3)
	binary.NativeEndian.PutUint16(b, uint16(4+len(payload)))
	binary.NativeEndian.PutUint16(b[2:], typ)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// ctRequest sends one ctnetlink request for IPv4 and reads the answer up
// to its end (a dump's DONE or the ack), handing each message to each.
func ctRequest(fd int, msgType uint16, flags uint16, payload []byte, each func(syscall.NetlinkMessage)) error {
	hdr := make([]byte, unix.NLMSG_HDRLEN+4, unix.NLMSG_HDRLEN+4+len(payload))
	binary.NativeEndian.PutUint32(hdr, uint32(len(hdr)+len(payload)))
	binary.NativeEndian.PutUint16(hdr[4:], unix.NFNL_SUBSYS_CTNETLINK<<8|msgType)
	binary.NativeEndian.PutUint16(hdr[6:], unix.NLM_F_REQUEST|flags)
	hdr[unix.NLMSG_HDRLEN] = unix.AF_INET
	hdr[unix.NLMSG_HDRLEN+1] = unix.NFNETLINK_V0
	if err := unix.Sendto(fd, append(hdr, payload...), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return err
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return err
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return errors.New("short netlink error")
				}
				if errno := -int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
					return unix.Errno(errno)
				}
				return nil // the ack
			default:
				if each != nil {
					each(m)
				}
			}
		}
	}
}
