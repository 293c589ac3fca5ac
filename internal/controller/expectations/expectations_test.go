package expectations

import (
	"testing"
	"time"
)

func TestExpectations(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := New()
	if !e.Satisfied("ns/a", now) {
		t.Fatal("unknown key not satisfied")
	}
	e.Expect("ns/a", 2, 1, now)
	if e.Satisfied("ns/a", now) || e.PendingAdds("ns/a") != 2 {
		t.Fatalf("fresh expectation: satisfied=%v pending=%d", e.Satisfied("ns/a", now), e.PendingAdds("ns/a"))
	}
	e.Observe("ns/a", 2, 0)
	if e.Satisfied("ns/a", now) || e.PendingAdds("ns/a") != 0 {
		t.Fatal("deletion still outstanding")
	}
	e.Observe("ns/a", 0, 1)
	if !e.Satisfied("ns/a", now) {
		t.Fatal("all observed but not satisfied")
	}
	e.Expect("ns/b", 1, 0, now)
	if e.Satisfied("ns/b", now.Add(TTL)) || !e.Satisfied("ns/b", now.Add(TTL+time.Second)) {
		t.Fatal("TTL not applied")
	}
	e.Forget("ns/b")
	if !e.Satisfied("ns/b", now) || e.PendingAdds("ns/b") != 0 {
		t.Fatal("forgotten key still pending")
	}
}
