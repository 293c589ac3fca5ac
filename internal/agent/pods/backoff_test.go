package pods

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type step struct {
		op        string // "next" records a restart; "wait" asks about a failure at since
		now       int
		since     int
		wantWait  bool
		wantDelay time.Duration
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first failure restarts at once", []step{
			{op: "wait", since: 0, now: 0, wantWait: false},
		}},
		{"doubles from 10s", []step{
			{op: "next", now: 0},
			{op: "wait", since: 5, now: 5, wantWait: true, wantDelay: 10 * time.Second},
			{op: "wait", since: 5, now: 14, wantWait: true, wantDelay: 10 * time.Second},
			{op: "wait", since: 5, now: 15, wantWait: false, wantDelay: 10 * time.Second},
			{op: "next", now: 15},
			{op: "wait", since: 16, now: 30, wantWait: true, wantDelay: 20 * time.Second},
			{op: "next", now: 36},
			{op: "wait", since: 37, now: 37, wantWait: true, wantDelay: 40 * time.Second},
		}},
		{"capped at 300s", []step{
			{op: "next", now: 0}, {op: "next", now: 1}, {op: "next", now: 2}, {op: "next", now: 3},
			{op: "next", now: 4}, {op: "next", now: 5}, {op: "next", now: 6}, {op: "next", now: 7},
			{op: "wait", since: 8, now: 8, wantWait: true, wantDelay: 300 * time.Second},
		}},
		{"reset after running ten minutes", []step{
			{op: "next", now: 0}, {op: "next", now: 10}, {op: "next", now: 30},
			{op: "wait", since: 30 + 601, now: 30 + 601, wantWait: false},
			{op: "next", since: 30 + 601, now: 30 + 601},
			{op: "wait", since: 30 + 602, now: 30 + 602, wantWait: true, wantDelay: 10 * time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackoff(initialBackoff, maxBackoff)
			for i, s := range tt.steps {
				if s.op == "next" {
					b.next("k", at(s.since), at(s.now))
					continue
				}
				wait, delay := b.waiting("k", at(s.since), at(s.now))
				if wait != s.wantWait || (wait && delay != s.wantDelay) {
					t.Fatalf("step %d: waiting = %v, %v; want %v, %v", i, wait, delay, s.wantWait, s.wantDelay)
				}
			}
		})
	}
}

func TestBackoffForgetPrefix(t *testing.T) {
	b := newBackoff(initialBackoff, maxBackoff)
	now := time.Now()
	b.next("uid1/a", now, now)
	b.next("uid2/a", now, now)
	b.forgetPrefix("uid1/")
	if w, _ := b.waiting("uid1/a", now, now); w {
		t.Error("uid1/a still backing off")
	}
	if w, _ := b.waiting("uid2/a", now, now); !w {
		t.Error("uid2/a forgotten")
	}
}

func TestBackoffBlocked(t *testing.T) {
	b := newBackoff(time.Second, time.Minute)
	t0 := time.Now()
	if b.blocked("k", t0) {
		t.Fatal("blocked before any failure")
	}
	b.next("k", t0, t0)
	b.next("k", t0.Add(time.Second), t0.Add(time.Second)) // 2s from t0+1s
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{{time.Second, true}, {2 * time.Second, true}, {3 * time.Second, false}} {
		if got := b.blocked("k", t0.Add(tc.after)); got != tc.want {
			t.Errorf("blocked at +%v = %v, want %v", tc.after, got, tc.want)
		}
	}
}
