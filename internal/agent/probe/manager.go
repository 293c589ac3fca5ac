package probe

import (
	"context"
	"fmt"
	"strings"
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
)

// Event reasons kubelet uses for probes.
const (
	ReasonUnhealthy    = "Unhealthy"
	ReasonProbeWarning = "ProbeWarning"
)

type resultKey struct {
	containerID string
	kind        Kind
}

// containerInfo is what the manager knows about a running container.
type containerInfo struct {
	podUID       types.UID
	name         string
	hasStartup   bool
	hasReadiness bool
}

// Manager keeps probe workers for the running containers of the pods it is
// told about and holds their results. Container IDs are those of the pod
// status ("containerd://<id>"); a bare runtime ID works as well.
type Manager struct {
	runtime  runtimeapi.RuntimeServiceClient
	recorder record.EventRecorder
	clock    clock.Clock
	onChange func(podUID types.UID)

	mu         sync.Mutex
	podIPs     map[types.UID]string
	containers map[string]*containerInfo // by normalised container ID
	results    map[resultKey]Result
	workers    map[resultKey]*worker
}

// NewManager returns a manager; onChange (may be nil) is called, from a
// worker goroutine, when a container's probe state flips.
func NewManager(runtime runtimeapi.RuntimeServiceClient, recorder record.EventRecorder, clk clock.Clock, onChange func(podUID types.UID)) *Manager {
	if onChange == nil {
		onChange = func(types.UID) {}
	}
	return &Manager{
		runtime: runtime, recorder: recorder, clock: clk, onChange: onChange,
		podIPs:     map[types.UID]string{},
		containers: map[string]*containerInfo{},
		results:    map[resultKey]Result{},
		workers:    map[resultKey]*worker{},
	}
}

// runtimeID strips the "<runtime>://" prefix of a status container ID.
func runtimeID(id string) string {
	if _, after, ok := strings.Cut(id, "://"); ok {
		return after
	}
	return id
}

// Update starts workers for the pod's running containers that have probes
// and stops those of containers no longer running.
func (m *Manager) Update(pod *v1.Pod, status *v1.PodStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.podIPs[pod.UID] = status.PodIP
	running := map[string]bool{}
	add := func(c *v1.Container, field string, cs v1.ContainerStatus) {
		if cs.State.Running == nil || cs.ContainerID == "" {
			return
		}
		id := runtimeID(cs.ContainerID)
		running[id] = true
		if _, ok := m.containers[id]; !ok {
			m.containers[id] = &containerInfo{podUID: pod.UID, name: c.Name, hasStartup: c.StartupProbe != nil, hasReadiness: c.ReadinessProbe != nil}
		}
		ref := &v1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			ResourceVersion: pod.ResourceVersion, FieldPath: fmt.Sprintf("%s{%s}", field, c.Name)}
		for kind, spec := range map[Kind]*v1.Probe{Startup: c.StartupProbe, Liveness: c.LivenessProbe, Readiness: c.ReadinessProbe} {
			key := resultKey{id, kind}
			if spec == nil || m.workers[key] != nil {
				continue
			}
			w := &worker{m: m, kind: kind, podUID: pod.UID, ref: ref, container: *c.DeepCopy(), spec: spec,
				containerID: cs.ContainerID, startedAt: cs.State.Running.StartedAt.Time, done: make(chan struct{})}
			w.lastResult = initialResult(kind)
			m.results[key] = w.lastResult
			ctx, cancel := context.WithCancel(context.Background())
			w.cancel = cancel
			m.workers[key] = w
			go w.loop(ctx)
		}
	}
	for _, cs := range status.ContainerStatuses {
		if c := containerByName(pod.Spec.Containers, cs.Name); c != nil {
			add(c, "spec.containers", cs)
		}
	}
	// Sidecars (restartable init containers) are probed like regular ones.
	for _, cs := range status.InitContainerStatuses {
		if c := containerByName(pod.Spec.InitContainers, cs.Name); c != nil && c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			add(c, "spec.initContainers", cs)
		}
	}
	for id, info := range m.containers {
		if info.podUID == pod.UID && !running[id] {
			m.forgetLocked(id)
		}
	}
}

func initialResult(k Kind) Result {
	switch k {
	case Readiness:
		return Failure
	case Liveness:
		return Success
	}
	return Unknown
}

func containerByName(cs []v1.Container, name string) *v1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

// Remove stops the pod's workers and forgets its results.
func (m *Manager) Remove(podUID types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, info := range m.containers {
		if info.podUID == podUID {
			m.forgetLocked(id)
		}
	}
	delete(m.podIPs, podUID)
}

// Stop stops every worker and waits for them to return.
func (m *Manager) Stop() {
	m.mu.Lock()
	var ws []*worker
	for _, w := range m.workers {
		w.cancel()
		ws = append(ws, w)
	}
	m.mu.Unlock()
	for _, w := range ws {
		<-w.done
	}
}

func (m *Manager) forgetLocked(id string) {
	for _, k := range []Kind{Liveness, Readiness, Startup} {
		key := resultKey{id, k}
		if w := m.workers[key]; w != nil {
			w.cancel()
			delete(m.workers, key)
		}
		delete(m.results, key)
	}
	delete(m.containers, id)
}

// Started reports whether the container's startup probe succeeded (true
// without one); false for a container the manager has not seen running.
func (m *Manager) Started(containerID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.startedLocked(runtimeID(containerID))
}

func (m *Manager) startedLocked(id string) bool {
	info, ok := m.containers[id]
	if !ok {
		return false
	}
	return !info.hasStartup || m.results[resultKey{id, Startup}] == Success
}

// Ready reports whether the container has started and its readiness probe
// (if any) last reached success.
func (m *Manager) Ready(containerID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := runtimeID(containerID)
	if !m.startedLocked(id) {
		return false
	}
	return !m.containers[id].hasReadiness || m.results[resultKey{id, Readiness}] == Success
}

// LivenessFailed reports whether the container failed its liveness or
// startup probe and must be restarted, with the message for the Killing
// event.
func (m *Manager) LivenessFailed(containerID string) (bool, string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := runtimeID(containerID)
	info, ok := m.containers[id]
	if !ok {
		return false, ""
	}
	if m.results[resultKey{id, Startup}] == Failure {
		return true, fmt.Sprintf("Container %s failed startup probe, will be restarted", info.name)
	}
	if m.results[resultKey{id, Liveness}] == Failure {
		return true, fmt.Sprintf("Container %s failed liveness probe, will be restarted", info.name)
	}
	return false, ""
}

func (m *Manager) result(containerID string, k Kind) Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.results[resultKey{runtimeID(containerID), k}]
}

func (m *Manager) podIP(uid types.UID) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ip, ok := m.podIPs[uid]
	return ip, ok
}

// setResult stores a worker's result and reports a flip; a worker stopped
// meanwhile (its key gone) changes nothing.
func (m *Manager) setResult(podUID types.UID, containerID string, k Kind, r Result) {
	key := resultKey{runtimeID(containerID), k}
	m.mu.Lock()
	prev, ok := m.results[key]
	if ok {
		m.results[key] = r
	}
	m.mu.Unlock()
	if ok && prev != r {
		m.onChange(podUID)
	}
}

func (m *Manager) event(ref *v1.ObjectReference, format string, args ...any) {
	if m.recorder != nil {
		m.recorder.Eventf(ref, v1.EventTypeWarning, ReasonUnhealthy, format, args...)
	}
}

func (m *Manager) warning(ref *v1.ObjectReference, format string, args ...any) {
	if m.recorder != nil {
		m.recorder.Eventf(ref, v1.EventTypeWarning, ReasonProbeWarning, format, args...)
	}
}
