package streaming

import (
	"encoding/json"
	"io"
	"sync"

	"k8s.io/client-go/tools/remotecommand"
)

// session is one exec or attach as the client set it up, whatever protocol
// carried it: the streams it asked for (nil when not), its terminal sizes
// and how to report the end.
type session struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	tty            bool
	sizes          *sizeQueue
	// end reports how the command ended on the error stream and closes
	// the connection.
	end func(err error)
}

// options is what the runtime's streaming server is given.
func (s *session) options() remotecommand.StreamOptions {
	o := remotecommand.StreamOptions{Tty: s.tty}
	if s.stdin != nil {
		o.Stdin = s.stdin
	}
	if s.stdout != nil {
		o.Stdout = s.stdout
	}
	if s.stderr != nil {
		o.Stderr = s.stderr
	}
	if s.sizes != nil {
		o.TerminalSizeQueue = s.sizes
	}
	return o
}

// sizeQueue decodes the client's resize stream (JSON TerminalSize
// objects, one after another) for the runtime side.
type sizeQueue struct {
	ch   chan remotecommand.TerminalSize
	once sync.Once
	stop chan struct{}
}

func newSizeQueue(r io.Reader) *sizeQueue {
	q := &sizeQueue{ch: make(chan remotecommand.TerminalSize, 1), stop: make(chan struct{})}
	go func() {
		defer close(q.ch)
		dec := json.NewDecoder(r)
		for {
			var size remotecommand.TerminalSize
			if err := dec.Decode(&size); err != nil {
				return
			}
			select {
			case q.ch <- size:
			case <-q.stop:
				return
			}
		}
	}()
	return q
}

// Next returns the next size, or nil once the client stops sending.
func (q *sizeQueue) Next() *remotecommand.TerminalSize {
	select {
	case size, ok := <-q.ch:
		if !ok {
			return nil
		}
		return &size
	case <-q.stop:
		return nil
	}
}

func (q *sizeQueue) close() { q.once.Do(func() { close(q.stop) }) }
