package logs

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// Stream names as the CRI log format writes them.
const (
	Stdout = "stdout"
	Stderr = "stderr"
)

// Entry is one record of a CRI log file.
type Entry struct {
	Time   time.Time
	Stream string
	// Partial marks a fragment the runtime split off a longer line; the line
	// ends with the next full (F) record of the same stream.
	Partial bool
	// Content excludes the newline the container wrote.
	Content []byte
}

var errMalformed = errors.New("malformed CRI log line")

// ParseLine parses one line of a CRI log file, without its trailing newline.
func ParseLine(line []byte) (Entry, error) {
	var e Entry
	ts, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return e, fmt.Errorf("%w: no timestamp in %q", errMalformed, line)
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return e, fmt.Errorf("%w: timestamp %q: %v", errMalformed, ts, err)
	}
	stream, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok || (string(stream) != Stdout && string(stream) != Stderr) {
		return e, fmt.Errorf("%w: stream in %q", errMalformed, line)
	}
	e.Time, e.Stream = t, string(stream)
	// Runtimes older than the P/F tag wrote the content right after the
	// stream; such a line is always full.
	tag, content, _ := bytes.Cut(rest, []byte{' '})
	switch string(tag) {
	case "P":
		e.Partial, e.Content = true, content
	case "F":
		e.Content = content
	default:
		e.Content = rest
	}
	return e, nil
}

// joiner assembles partial records into whole lines, per stream, so a line
// the runtime split is counted and printed once.
type joiner struct {
	pending map[string]*Entry
}

// add takes the next record and returns a whole line when one is complete.
func (j *joiner) add(e Entry) (Entry, bool) {
	p := j.pending[e.Stream]
	if e.Partial {
		if p == nil {
			if j.pending == nil {
				j.pending = map[string]*Entry{}
			}
			c := e
			c.Content = append([]byte(nil), e.Content...)
			j.pending[e.Stream] = &c
			return Entry{}, false
		}
		p.Content = append(p.Content, e.Content...)
		return Entry{}, false
	}
	if p == nil {
		return e, true
	}
	delete(j.pending, e.Stream)
	p.Content = append(p.Content, e.Content...)
	p.Partial = false
	return *p, true
}

// timeFormatOut keeps all nine fraction digits, as kubelet prints them, so
// timestamps line up and sort as text.
const timeFormatOut = "2006-01-02T15:04:05.000000000Z07:00"

// render is the text `kubectl logs` prints for a whole line.
func render(e Entry, timestamps bool) []byte {
	var b []byte
	if timestamps {
		b = e.Time.UTC().AppendFormat(b, timeFormatOut)
		b = append(b, ' ')
	}
	b = append(b, e.Content...)
	return append(b, '\n')
}
