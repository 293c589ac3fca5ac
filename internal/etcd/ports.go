package etcd

import (
	"context"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// embed cannot listen on port 0 and report the port, so we choose ports
// ourselves. A reservation is a loopback listener with SO_REUSEPORT that we
// hold while etcd binds the same port (etcd also sets SO_REUSEPORT), then
// close. While held, the kernel hands the port to nobody else, so two servers
// starting side by side cannot pick the same one.
type reservation struct {
	ln   net.Listener
	Port int
}

func reservePort(ctx context.Context) (*reservation, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	ln, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("reserve loopback port: %w", err)
	}
	return &reservation{ln: ln, Port: ln.Addr().(*net.TCPAddr).Port}, nil
}

func (r *reservation) Release() {
	if r != nil {
		r.ln.Close()
	}
}
