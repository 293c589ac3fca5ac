package logs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

const sample = `2024-01-01T00:00:01.000000000Z stdout F one
2024-01-01T00:00:02.000000000Z stderr F two
2024-01-01T00:00:03.000000000Z stdout P thr
2024-01-01T00:00:03.500000000Z stdout F ee
garbage
2024-01-01T00:00:04.000000000Z stdout F four
`

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWrite(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 5, 0, time.UTC)
	tests := map[string]struct {
		opts v1.PodLogOptions
		want string
	}{
		"all":             {want: "one\ntwo\nthree\nfour\n"},
		"tail 2":          {opts: v1.PodLogOptions{TailLines: ptr.To[int64](2)}, want: "three\nfour\n"},
		"tail 0":          {opts: v1.PodLogOptions{TailLines: ptr.To[int64](0)}, want: ""},
		"tail beyond":     {opts: v1.PodLogOptions{TailLines: ptr.To[int64](10)}, want: "one\ntwo\nthree\nfour\n"},
		"since seconds":   {opts: v1.PodLogOptions{SinceSeconds: ptr.To[int64](2)}, want: "three\nfour\n"},
		"since time":      {opts: v1.PodLogOptions{SinceTime: &metav1.Time{Time: now.Add(-3500 * time.Millisecond)}}, want: "two\nthree\nfour\n"},
		"limit bytes":     {opts: v1.PodLogOptions{LimitBytes: ptr.To[int64](6)}, want: "one\ntw"},
		"limit exact":     {opts: v1.PodLogOptions{LimitBytes: ptr.To[int64](8)}, want: "one\ntwo\n"},
		"tail and limit":  {opts: v1.PodLogOptions{TailLines: ptr.To[int64](2), LimitBytes: ptr.To[int64](7)}, want: "three\nf"},
		"stderr only":     {opts: v1.PodLogOptions{Stream: ptr.To(v1.LogStreamStderr)}, want: "two\n"},
		"stdout only":     {opts: v1.PodLogOptions{Stream: ptr.To(v1.LogStreamStdout)}, want: "one\nthree\nfour\n"},
		"tail and since":  {opts: v1.PodLogOptions{TailLines: ptr.To[int64](3), SinceSeconds: ptr.To[int64](2)}, want: "three\nfour\n"},
		"timestamps tail": {opts: v1.PodLogOptions{Timestamps: true, TailLines: ptr.To[int64](2)}, want: "2024-01-01T00:00:03.000000000Z three\n2024-01-01T00:00:04.000000000Z four\n"},
	}
	path := writeFile(t, sample)
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := write(context.Background(), clocktesting.NewFakeClock(now), path, &tt.opts, &out, nil); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestWriteMissingFile(t *testing.T) {
	err := Write(context.Background(), filepath.Join(t.TempDir(), "none.log"), nil, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "open log file") {
		t.Fatalf("err = %v, want open log file error", err)
	}
}

// syncBuffer lets the test read what the follower writes meanwhile.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, buf *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for buf.String() != want {
		if time.Now().After(deadline) {
			t.Fatalf("followed output %q, want %q", buf.String(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFollow(t *testing.T) {
	path := writeFile(t, "2024-01-01T00:00:01Z stdout F first\n")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var mu sync.Mutex
	alive := true
	running := func() bool { mu.Lock(); defer mu.Unlock(); return alive }
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Write(context.Background(), path, &v1.PodLogOptions{Follow: true}, &out, running)
	}()
	waitFor(t, &out, "first\n")

	// A line written in two pieces arrives once whole.
	if _, err := f.WriteString("2024-01-01T00:00:02Z stdout F sec"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * pollInterval)
	if got := out.String(); got != "first\n" {
		t.Fatalf("half-written line leaked: %q", got)
	}
	if _, err := f.WriteString("ond\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, &out, "first\nsecond\n")

	// The last words of a container are copied before following stops.
	if _, err := f.WriteString("2024-01-01T00:00:03Z stdout F last\n"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	alive = false
	mu.Unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not stop after the container exited")
	}
	if got := out.String(); got != "first\nsecond\nlast\n" {
		t.Fatalf("got %q", got)
	}
}

func TestFollowStopsWithContext(t *testing.T) {
	path := writeFile(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Write(ctx, path, &v1.PodLogOptions{Follow: true}, &bytes.Buffer{}, func() bool { return true })
	}()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not stop with its context")
	}
}
