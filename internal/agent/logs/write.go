package logs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
)

// pollInterval bounds how late a followed line arrives.
const pollInterval = 50 * time.Millisecond

// errLimit ends a stream once limitBytes are written.
var errLimit = errors.New("byte limit reached")

// Write copies the container log at path to w as opts say. With
// opts.Follow it keeps copying new lines until ctx ends or running reports
// the container gone (everything written before that is still copied).
func Write(ctx context.Context, path string, opts *v1.PodLogOptions, w io.Writer, running func() bool) error {
	return write(ctx, clock.RealClock{}, path, opts, w, running)
}

func write(ctx context.Context, clk clock.Clock, path string, opts *v1.PodLogOptions, w io.Writer, running func() bool) error {
	if opts == nil {
		opts = &v1.PodLogOptions{}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	defer f.Close()
	out := newFilter(opts, clk.Now(), w)
	r := &lineReader{r: bufio.NewReaderSize(f, 64<<10)}
	if opts.TailLines != nil {
		err = out.tail(r, int(*opts.TailLines))
	} else {
		err = out.copy(r)
	}
	if err != nil || !opts.Follow {
		return ignoreLimit(err)
	}
	for {
		// Look before reading: lines written before the container stopped
		// must still be copied after it is seen stopped.
		stopped := running == nil || !running()
		if err := out.copy(r); err != nil {
			return ignoreLimit(err)
		}
		if stopped {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-clk.After(pollInterval):
		}
	}
}

func ignoreLimit(err error) error {
	if errors.Is(err, errLimit) {
		return nil
	}
	return err
}

// lineReader hands out whole lines and keeps an unterminated tail for the
// next call, since a followed file may be read mid-write.
type lineReader struct {
	r    *bufio.Reader
	part []byte
}

// next returns the next whole line without its newline, or io.EOF.
func (l *lineReader) next() ([]byte, error) {
	for {
		chunk, err := l.r.ReadSlice('\n')
		if err == nil {
			line := chunk[:len(chunk)-1]
			if len(l.part) > 0 {
				line = append(l.part, line...)
				l.part = nil
			}
			return line, nil
		}
		l.part = append(l.part, chunk...)
		if err != bufio.ErrBufferFull {
			return nil, err
		}
	}
}

// filter applies since, stream, timestamps and limitBytes to whole lines.
type filter struct {
	since      time.Time
	stream     string
	timestamps bool
	left       int64 // bytes still allowed; negative means no limit
	w          io.Writer
	j          joiner
}

func newFilter(opts *v1.PodLogOptions, now time.Time, w io.Writer) *filter {
	f := &filter{timestamps: opts.Timestamps, left: -1, w: w}
	switch {
	case opts.SinceTime != nil:
		f.since = opts.SinceTime.Time
	case opts.SinceSeconds != nil:
		f.since = now.Add(-time.Duration(*opts.SinceSeconds) * time.Second)
	}
	if opts.Stream != nil {
		switch *opts.Stream {
		case v1.LogStreamStdout:
			f.stream = Stdout
		case v1.LogStreamStderr:
			f.stream = Stderr
		}
	}
	if opts.LimitBytes != nil {
		f.left = *opts.LimitBytes
	}
	return f
}

// accept parses a line and returns the whole line it completes, if shown.
func (f *filter) accept(line []byte) (Entry, bool) {
	e, err := ParseLine(line)
	if err != nil {
		// A corrupt record (a crash mid-write) must not hide the rest.
		return Entry{}, false
	}
	if f.stream != "" && e.Stream != f.stream {
		return Entry{}, false
	}
	e, ok := f.j.add(e)
	if !ok || e.Time.Before(f.since) {
		return Entry{}, false
	}
	return e, true
}

func (f *filter) emit(e Entry) error { return f.emitRendered(render(e, f.timestamps)) }

// copy writes every line up to the end of what is written so far.
func (f *filter) copy(r *lineReader) error {
	for {
		line, err := r.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read log file: %w", err)
		}
		if e, ok := f.accept(line); ok {
			if err := f.emit(e); err != nil {
				return err
			}
		}
	}
}

// tail writes the last n shown lines up to the end of what is written so far.
func (f *filter) tail(r *lineReader, n int) error {
	if n < 0 {
		return f.copy(r)
	}
	ring := make([][]byte, 0, min(n, 1024))
	start := 0
	for {
		line, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read log file: %w", err)
		}
		e, ok := f.accept(line)
		if !ok || n == 0 {
			continue
		}
		b := render(e, f.timestamps)
		if len(ring) < n {
			ring = append(ring, b)
			continue
		}
		ring[start] = b
		start = (start + 1) % n
	}
	for i := range ring {
		if err := f.emitRendered(ring[(start+i)%len(ring)]); err != nil {
			return err
		}
	}
	return nil
}

func (f *filter) emitRendered(b []byte) error {
	if f.left >= 0 && int64(len(b)) >= f.left {
		if _, err := f.w.Write(b[:f.left]); err != nil {
			return err
		}
		return errLimit
	}
	if f.left >= 0 {
		f.left -= int64(len(b))
	}
	_, err := f.w.Write(b)
	return err
}
