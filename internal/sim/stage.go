package sim

import (
	"hash/fnv"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Annotations a pod can carry to script its simulated life.
const (
	// AnnotationExitAfter makes the pod's containers exit this long (a Go
	// duration, "2s") after it started running.
	AnnotationExitAfter = "sim.bosun.dev/exit-after"
	// AnnotationExitCode is the exit code they exit with (default 0).
	AnnotationExitCode = "sim.bosun.dev/exit-code"
	// AnnotationFail on a Node, "true", makes the sim act as a dead kubelet there.
	AnnotationFail = "sim.bosun.dev/fail"
)

// JobRuntime is how long a pod owned by a Job runs before exiting 0 when it
// has no exit-after annotation.
const JobRuntime = time.Second

// Stage is one step of a pod's simulated life, as in kwok: which pods it
// selects, when it fires (Delay after From, plus up to Jitter×Delay fixed
// per pod) and what it does (a new status, or the kubelet's final delete).
type Stage struct {
	Name    string
	Selects func(p *corev1.Pod) bool
	From    func(p *corev1.Pod) time.Time
	Delay   func(p *corev1.Pod, o Options) time.Duration
	Jitter  float64
	// Status is the pod's status after the stage; nil for a delete stage.
	Status func(p *corev1.Pod, e Env) *corev1.PodStatus
	// Delete confirms a deletion: grace 0 with a UID precondition.
	Delete bool
}

// Env is what a stage knows about the node a pod runs on.
type Env struct {
	Now    time.Time
	HostIP string
	// PodIP is the address the node's IPAM gave the pod.
	PodIP string
}

// Stages is the life of every pod on a sim node, first match wins: a
// deletion is confirmed whatever the phase; a pending pod starts; a running
// pod someone else marked not Ready (the node controller, while its node was
// silent) is reported Ready again, as kubelet's next status sync does; a pod
// known to exit does so.
var Stages = []Stage{
	{Name: "delete", Selects: terminating, From: deletionRequested, Delay: stopDelay, Delete: true},
	{Name: "run", Selects: pending, From: scheduled, Delay: startupDelay, Jitter: 0.1, Status: running},
	{Name: "ready", Selects: markedNotReady, From: readyChanged, Delay: noDelay, Status: ready},
	{Name: "exit", Selects: exits, From: started, Delay: exitDelay, Status: exited},
}

// Next is the stage due for p and how long until it fires (zero or less:
// now); nil when p has nothing left to do.
func Next(stages []Stage, p *corev1.Pod, o Options, now time.Time) (*Stage, time.Duration) {
	for i := range stages {
		s := &stages[i]
		if !s.Selects(p) {
			continue
		}
		d := s.Delay(p, o)
		if s.Jitter > 0 && d > 0 {
			h := fnv.New32a()
			_, _ = h.Write([]byte(p.UID))
			d += time.Duration(float64(d) * s.Jitter * float64(h.Sum32()%1000) / 1000)
		}
		return s, s.From(p).Add(d).Sub(now)
	}
	return nil, 0
}

func terminating(p *corev1.Pod) bool { return p.DeletionTimestamp != nil }

func pending(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && (p.Status.Phase == corev1.PodPending || p.Status.Phase == "")
}

func markedNotReady(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status != corev1.ConditionTrue
		}
	}
	return false
}

// readyChanged is when p's Ready condition last changed.
func readyChanged(p *corev1.Pod) time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

func noDelay(*corev1.Pod, Options) time.Duration { return 0 }

func exits(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning || p.Spec.RestartPolicy == corev1.RestartPolicyAlways {
		return false
	}
	_, ok := exitAfter(p)
	return ok
}

// exitAfter is how long p runs, if it is known to exit.
func exitAfter(p *corev1.Pod) (time.Duration, bool) {
	if v, ok := p.Annotations[AnnotationExitAfter]; ok {
		d, err := time.ParseDuration(v)
		return d, err == nil && d >= 0
	}
	for _, ref := range p.OwnerReferences {
		if ref.Kind == "Job" && ref.APIVersion == "batch/v1" {
			return JobRuntime, true
		}
	}
	return 0, false
}

func exitCode(p *corev1.Pod) int32 {
	c, err := strconv.ParseInt(p.Annotations[AnnotationExitCode], 10, 32)
	if err != nil {
		return 0
	}
	return int32(c)
}

// deletionRequested is when the delete call came: the deletion timestamp
// is that time plus the grace period.
func deletionRequested(p *corev1.Pod) time.Time {
	return p.DeletionTimestamp.Add(-time.Duration(grace(p)) * time.Second)
}

func grace(p *corev1.Pod) int64 {
	if p.DeletionGracePeriodSeconds != nil {
		return *p.DeletionGracePeriodSeconds
	}
	return 0
}

func stopDelay(p *corev1.Pod, o Options) time.Duration {
	return min(time.Duration(grace(p))*time.Second, o.StopDelay)
}

// scheduled is when the pod was bound (its PodScheduled condition), or
// created when nothing says.
func scheduled(p *corev1.Pod) time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time
		}
	}
	return p.CreationTimestamp.Time
}

func startupDelay(_ *corev1.Pod, o Options) time.Duration { return o.StartupDelay }

func started(p *corev1.Pod) time.Time {
	if p.Status.StartTime != nil {
		return p.Status.StartTime.Time
	}
	return p.CreationTimestamp.Time
}

func exitDelay(p *corev1.Pod, _ Options) time.Duration {
	d, _ := exitAfter(p)
	return d
}
