package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/bosun-dev/bosun/internal/network/routes/testnet"
)

// path is a TCP stream's two ends: a client in one namespace, a server
// address in another.
type path struct {
	name       string
	fromNetns  string
	toNetns    string
	toAddrPort netip.AddrPort
}

// chunk is the size of each write: large enough that the syscall cost is
// noise next to the data path's.
const chunk = 256 << 10

// result is one measurement of a path.
type result struct {
	gbps float64 // throughput the server received
	// cpuPerGB is the CPU the transfer cost per gigabyte (10^9 bytes).
	cpuPerGB time.Duration
}

// measure streams from p's client to its server for d.
func measure(ctx context.Context, p path, d time.Duration, cpu cpuCounter) (result, error) {
	var ln net.Listener
	if err := testnet.Do(p.toNetns, func() (err error) {
		ln, err = net.Listen("tcp", p.toAddrPort.String())
		return err
	}); err != nil {
		return result{}, fmt.Errorf("%s: listen: %w", p.name, err)
	}
	defer ln.Close()

	type received struct {
		bytes   int64
		elapsed time.Duration
		cpu     time.Duration
		err     error
	}
	got := make(chan received, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- received{err: err}
			return
		}
		defer c.Close()
		buf := make([]byte, chunk)
		// The clock starts at the first byte, so the handshake and slow
		// start's first round trip are not counted.
		_, err = c.Read(buf)
		start := time.Now()
		if err != nil {
			got <- received{err: err}
			return
		}
		cpu0, err := cpu()
		if err != nil {
			got <- received{err: err}
			return
		}
		rest, err := io.CopyBuffer(io.Discard, c, buf)
		elapsed := time.Since(start)
		cpu1, cpuErr := cpu()
		got <- received{bytes: rest, elapsed: elapsed, cpu: cpu1 - cpu0, err: errors.Join(err, cpuErr)}
	}()

	var conn net.Conn
	if err := testnet.Do(p.fromNetns, func() (err error) {
		conn, err = net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		return err
	}); err != nil {
		return result{}, fmt.Errorf("%s: dial %s: %w", p.name, ln.Addr(), err)
	}
	sendErr := send(ctx, conn, d)
	r := <-got
	if err := errors.Join(sendErr, r.err); err != nil {
		return result{}, fmt.Errorf("%s: %w", p.name, err)
	}
	if r.elapsed <= 0 || r.bytes == 0 {
		return result{}, fmt.Errorf("%s: nothing received", p.name)
	}
	return result{
		gbps:     float64(r.bytes) * 8 / r.elapsed.Seconds() / 1e9,
		cpuPerGB: time.Duration(float64(r.cpu) * 1e9 / float64(r.bytes)),
	}, nil
}

// send writes to conn for d (or until ctx ends), then closes it.
func send(ctx context.Context, conn net.Conn, d time.Duration) error {
	defer conn.Close()
	buf := make([]byte, chunk)
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := conn.Write(buf); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	return nil
}
