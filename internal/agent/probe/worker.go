package probe

import (
	"context"
	"log/slog"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// worker probes one container with one of its probes. step holds all the
// logic and is driven by loop's ticker, so tests step it with a fake clock.
type worker struct {
	m           *Manager
	kind        Kind
	podUID      types.UID
	ref         *v1.ObjectReference
	container   v1.Container
	spec        *v1.Probe
	containerID string // as in the pod status, "<runtime>://<id>"
	startedAt   time.Time

	lastResult Result
	resultRun  int
	// onHold stops a failed liveness or startup probe until the container
	// is replaced: it is about to be killed, more failures say nothing.
	onHold bool

	cancel context.CancelFunc
	done   chan struct{}
}

func (w *worker) loop(ctx context.Context) {
	defer close(w.done)
	for {
		w.step(ctx)
		t := w.m.clock.NewTimer(period(w.spec))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
	}
}

// step runs the probe once if it is due and records the outcome.
func (w *worker) step(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("Probe worker panicked", "pod", w.ref.Namespace+"/"+w.ref.Name, "container", w.container.Name, "probe", w.kind, "panic", r)
		}
	}()
	if w.onHold {
		return
	}
	if w.kind == Startup {
		if w.m.result(w.containerID, Startup) == Success {
			return
		}
	} else if !w.m.Started(w.containerID) {
		return
	}
	if w.m.clock.Since(w.startedAt) < time.Duration(w.spec.InitialDelaySeconds)*time.Second {
		return
	}
	podIP, ok := w.m.podIP(w.podUID)
	if !ok {
		return
	}
	result, output, err := run(ctx, w.m.runtime, w.spec, target{container: &w.container, containerID: runtimeID(w.containerID), podIP: podIP})
	if ctx.Err() != nil {
		return // stopped while probing: the container is gone
	}
	log := slog.With("pod", w.ref.Namespace+"/"+w.ref.Name, "container", w.container.Name, "probe", w.kind)
	if err != nil {
		log.Info("Probe errored", "err", err)
		w.m.event(w.ref, "%s probe errored and resulted in unknown state: %s", w.kind, err)
		return
	}
	switch result {
	case Failure:
		log.Info("Probe failed", "output", output)
		w.m.event(w.ref, "%s probe failed: %s", w.kind, output)
	case Warning:
		w.m.warning(w.ref, "%s probe warning: %s", w.kind, output)
		result = Success
	}
	if result == w.lastResult {
		w.resultRun++
	} else {
		w.lastResult, w.resultRun = result, 1
	}
	if (result == Failure && w.resultRun < failureThreshold(w.spec)) ||
		(result == Success && w.resultRun < successThreshold(w.spec)) {
		return
	}
	w.m.setResult(w.podUID, w.containerID, w.kind, result)
	if result == Failure && w.kind != Readiness {
		w.onHold = true
		w.resultRun = 0
	}
}
