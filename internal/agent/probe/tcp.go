package probe

import (
	"context"
	"net"
	"strconv"
	"time"
)

// TCP succeeds when a connection to host:port opens within timeout.
func TCP(ctx context.Context, host string, port int, timeout time.Duration) (Result, string) {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return Failure, err.Error()
	}
	conn.Close()
	return Success, ""
}
