package replicaset

import (
	"testing"
)

func TestPodEventsSatisfyExpectations(t *testing.T) {
	rs := newRS("web", 1)
	f := newFixture(t, rs)
	c := f.c
	c.expectations.expectCreations("ns/web", 1)
	p := newPod("web-1", rs)
	c.addPod(p)
	if !c.expectations.satisfied("ns/web") {
		t.Fatal("creation not observed")
	}
	c.expectations.expectDeletions("ns/web", []string{"ns/web-1"})
	cur := p.DeepCopy()
	cur.ResourceVersion = "2"
	terminating(cur)
	c.updatePod(p, cur)
	if !c.expectations.satisfied("ns/web") {
		t.Fatal("graceful deletion not observed")
	}
	if got := c.queue.Len(); got != 1 {
		t.Fatalf("queue holds %d keys, want 1 (deduplicated)", got)
	}
	// A resync (same resourceVersion) enqueues nothing new.
	key, _ := c.queue.Get()
	c.queue.Done(key)
	c.queue.Forget(key)
	c.updatePod(cur, cur)
	if c.queue.Len() != 0 {
		t.Fatal("resync enqueued the replica set")
	}
}

func TestOrphanEnqueuesMatchingReplicaSets(t *testing.T) {
	rs := newRS("web", 1)
	f := newFixture(t, rs, newRS("other", 1))
	f.c.addPod(newPod("stray", rs, orphan))
	if key, _ := f.c.queue.Get(); key != "ns/web" || f.c.queue.Len() != 0 {
		t.Fatalf("queued %q (+%d), want only ns/web", key, f.c.queue.Len())
	}
}
