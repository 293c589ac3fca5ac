package queue

import (
	"context"
	"reflect"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// Defaults, as kube-scheduler's.
const (
	DefaultInitialBackoff   = time.Second
	DefaultMaxBackoff       = 10 * time.Second
	DefaultMaxUnschedulable = 60 * time.Second
	flushInterval           = time.Second
)

// where a queued pod currently is.
type where int

const (
	inActive where = iota + 1
	inBackoff
	inUnschedulable
	inFlight
)

// QueuedPod is a pod in the queue with its scheduling history.
type QueuedPod struct {
	Pod *corev1.Pod
	// Attempts counts scheduling attempts; it sets the backoff.
	Attempts int
	// Timestamp orders pods of equal priority (first come, first served).
	Timestamp time.Time

	where              where
	index              int
	cycle              int64
	backoffExpiry      time.Time
	unschedulableSince time.Time
}

// Options tunes the queue; zero values take the defaults above.
type Options struct {
	Clock            clock.WithTicker
	InitialBackoff   time.Duration
	MaxBackoff       time.Duration
	MaxUnschedulable time.Duration
}

// Queue is the scheduling queue. It is safe for concurrent use.
type Queue struct {
	opts Options

	mu            sync.Mutex
	cond          *sync.Cond
	active        *podHeap
	backoff       *podHeap
	unschedulable map[types.UID]*QueuedPod
	pods          map[types.UID]*QueuedPod
	cycle         int64
	moveCycle     int64
	closed        bool
}

// New returns an empty queue.
func New(opts Options) *Queue {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.InitialBackoff <= 0 {
		opts.InitialBackoff = DefaultInitialBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxUnschedulable <= 0 {
		opts.MaxUnschedulable = DefaultMaxUnschedulable
	}
	q := &Queue{
		opts:          opts,
		active:        &podHeap{less: higherPriorityFirst},
		backoff:       &podHeap{less: func(a, b *QueuedPod) bool { return a.backoffExpiry.Before(b.backoffExpiry) }},
		unschedulable: map[types.UID]*QueuedPod{},
		pods:          map[types.UID]*QueuedPod{},
	}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func higherPriorityFirst(a, b *QueuedPod) bool {
	pa, pb := priority(a.Pod), priority(b.Pod)
	if pa != pb {
		return pa > pb
	}
	return a.Timestamp.Before(b.Timestamp)
}

func priority(pod *corev1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	return 0
}

// Run flushes the backoff heap and the unschedulable pods every second
// until ctx ends, then closes the queue so Pop returns.
func (q *Queue) Run(ctx context.Context) {
	t := q.opts.Clock.NewTicker(flushInterval)
	defer t.Stop()
	defer q.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			q.Flush()
		}
	}
}

// Close wakes every Pop with ok=false.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// Add queues a new pending pod; a pod already queued is updated instead.
func (q *Queue) Add(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if qp, ok := q.pods[pod.UID]; ok {
		q.updateLocked(qp, pod)
		return
	}
	qp := &QueuedPod{Pod: pod, Timestamp: q.opts.Clock.Now()}
	q.pods[pod.UID] = qp
	q.toActive(qp)
}

// Update replaces a queued pod's object. A parked pod whose spec or labels
// changed may now fit, so it goes back to be tried; our own status writes
// change neither and leave it parked.
func (q *Queue) Update(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp, ok := q.pods[pod.UID]
	if !ok {
		qp = &QueuedPod{Pod: pod, Timestamp: q.opts.Clock.Now()}
		q.pods[pod.UID] = qp
		q.toActive(qp)
		return
	}
	q.updateLocked(qp, pod)
}

func (q *Queue) updateLocked(qp *QueuedPod, pod *corev1.Pod) {
	if qp.where == inFlight {
		// The scheduler owns the object during its attempt and re-reads
		// the pod from the informer cache anyway.
		return
	}
	old := qp.Pod
	qp.Pod = pod
	switch qp.where {
	case inActive:
		q.active.fix(qp)
	case inUnschedulable:
		if !reflect.DeepEqual(old.Spec, pod.Spec) || !reflect.DeepEqual(old.Labels, pod.Labels) {
			delete(q.unschedulable, pod.UID)
			q.requeueLocked(qp)
		}
	}
}

// Delete forgets a pod (deleted, bound elsewhere, or no longer ours).
func (q *Queue) Delete(uid types.UID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp, ok := q.pods[uid]
	if !ok {
		return
	}
	q.detach(qp)
	delete(q.pods, uid)
}

func (q *Queue) detach(qp *QueuedPod) {
	switch qp.where {
	case inActive:
		q.active.remove(qp)
	case inBackoff:
		q.backoff.remove(qp)
	case inUnschedulable:
		delete(q.unschedulable, qp.Pod.UID)
	}
	qp.where = 0
}

// Pop blocks until a pod is ready and hands it out for one scheduling
// attempt; ok is false once the queue is closed.
func (q *Queue) Pop() (qp *QueuedPod, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active.Len() == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return nil, false
	}
	qp = q.active.pop()
	q.cycle++
	qp.cycle = q.cycle
	qp.Attempts++
	qp.where = inFlight
	return qp, true
}

// Done ends a successful attempt: the pod leaves the queue.
func (q *Queue) Done(uid types.UID) {
	q.Delete(uid)
}

// Unschedulable parks a pod no node could take. If the cluster changed
// while it was being scheduled, that change may be what it needed, so it
// only backs off instead of waiting for the next change.
func (q *Queue) Unschedulable(qp *QueuedPod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if cur, ok := q.pods[qp.Pod.UID]; !ok || cur != qp || qp.where != inFlight {
		return
	}
	if q.moveCycle >= qp.cycle {
		q.toBackoff(qp)
		return
	}
	qp.where = inUnschedulable
	qp.unschedulableSince = q.opts.Clock.Now()
	qp.backoffExpiry = qp.unschedulableSince.Add(q.backoffFor(qp.Attempts))
	q.unschedulable[qp.Pod.UID] = qp
}

// Retry backs off a pod whose attempt failed for a reason other than fit
// (an API error, a failed binding).
func (q *Queue) Retry(qp *QueuedPod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if cur, ok := q.pods[qp.Pod.UID]; ok && cur == qp && qp.where == inFlight {
		q.toBackoff(qp)
	}
}

// MoveAllToActiveOrBackoff wakes every parked pod after a cluster change
// that could make room (node added or changed, pod deleted or finished,
// labels changed); pods still in their backoff window wait it out.
func (q *Queue) MoveAllToActiveOrBackoff() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for uid, qp := range q.unschedulable {
		delete(q.unschedulable, uid)
		q.requeueLocked(qp)
	}
	q.moveCycle = q.cycle
}

// Flush moves pods whose backoff expired to the active heap, and pods
// parked longer than MaxUnschedulable back to be retried.
func (q *Queue) Flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.opts.Clock.Now()
	for q.backoff.Len() > 0 && !q.backoff.peek().backoffExpiry.After(now) {
		q.toActive(q.backoff.pop())
	}
	for uid, qp := range q.unschedulable {
		if now.Sub(qp.unschedulableSince) > q.opts.MaxUnschedulable {
			delete(q.unschedulable, uid)
			q.requeueLocked(qp)
		}
	}
}

// requeueLocked puts a pod in backoff if its window is still open, else in
// the active heap.
func (q *Queue) requeueLocked(qp *QueuedPod) {
	if q.opts.Clock.Now().Before(qp.backoffExpiry) {
		qp.where = inBackoff
		q.backoff.add(qp)
		return
	}
	q.toActive(qp)
}

func (q *Queue) toBackoff(qp *QueuedPod) {
	qp.backoffExpiry = q.opts.Clock.Now().Add(q.backoffFor(qp.Attempts))
	qp.where = inBackoff
	q.backoff.add(qp)
}

func (q *Queue) toActive(qp *QueuedPod) {
	qp.where = inActive
	q.active.add(qp)
	q.cond.Signal()
}

// backoffFor is InitialBackoff doubled per attempt after the first,
// capped at MaxBackoff.
func (q *Queue) backoffFor(attempts int) time.Duration {
	d := q.opts.InitialBackoff
	for i := 1; i < attempts && d < q.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, q.opts.MaxBackoff)
}

// Counts reports how many pods are active, backing off and parked.
func (q *Queue) Counts() (active, backoff, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.Len(), q.backoff.Len(), len(q.unschedulable)
}
