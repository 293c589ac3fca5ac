package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// result is what the query loop measured.
type result struct {
	latencies []time.Duration
	elapsed   time.Duration
	cpu       time.Duration // process CPU time used meanwhile
}

// query sends A queries for names round-robin over one UDP socket for
// duration, never more than window unanswered, and times each answer. The
// queries are packed once: the client must not be what limits the rate.
func query(ctx context.Context, addr string, names []string, window int, duration time.Duration) (*result, error) {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	packed := make([][]byte, len(names))
	for i, n := range names {
		if packed[i], err = new(dns.Msg).SetQuestion(n, dns.TypeA).Pack(); err != nil {
			return nil, fmt.Errorf("pack query %s: %w", n, err)
		}
	}
	// The ID of a query indexes its send time; ids cycle through 65536
	// values while at most window queries are out, so none is reused early.
	var sentAt [1 << 16]atomic.Int64
	tokens := make(chan struct{}, window)
	for range window {
		tokens <- struct{}{}
	}
	var sent atomic.Int64
	sending := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(sending)
		buf := make([]byte, 512)
		deadline := start.Add(duration)
		for i := 0; ctx.Err() == nil && time.Now().Before(deadline); i++ {
			<-tokens
			q := buf[:len(packed[i%len(packed)])]
			copy(q, packed[i%len(packed)])
			id := uint16(i)
			binary.BigEndian.PutUint16(q, id)
			sentAt[id].Store(time.Now().UnixNano())
			sent.Add(1)
			if _, err := conn.Write(q); err != nil {
				return
			}
		}
	}()
	res := &result{latencies: make([]time.Duration, 0, 1<<20)}
	buf := make([]byte, 4096)
	lastAnswer := time.Now()
	for {
		_ = conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := conn.Read(buf)
		if err != nil {
			select {
			case <-sending:
				if int64(len(res.latencies)) == sent.Load() {
					res.elapsed = lastAnswer.Sub(start)
					return res, nil
				}
			default:
			}
			if errors.Is(err, os.ErrDeadlineExceeded) && time.Since(lastAnswer) < 2*time.Second {
				continue
			}
			return nil, fmt.Errorf("after %d answers of %d queries: %w", len(res.latencies), sent.Load(), err)
		}
		lastAnswer = time.Now()
		now := time.Now().UnixNano()
		if n < 12 {
			return nil, fmt.Errorf("short answer of %d bytes", n)
		}
		id := binary.BigEndian.Uint16(buf)
		if rcode, answers := buf[3]&0x0f, binary.BigEndian.Uint16(buf[6:]); rcode != dns.RcodeSuccess || answers != 1 {
			return nil, fmt.Errorf("answer %d: rcode %d with %d records", id, rcode, answers)
		}
		res.latencies = append(res.latencies, time.Duration(now-sentAt[id].Load()))
		tokens <- struct{}{}
	}
}
