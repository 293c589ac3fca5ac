package pods

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/bosun-dev/bosun/internal/agent/containerconfig"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Grace periods in seconds, as kubelet applies them: the pod's default, and
// the least any container gets so a preStop hook or SIGTERM handler can run.
const (
	defaultGrace = 30
	minimumGrace = 2
)

// containerGrace is the grace period for stopping a container: a probe's
// own override, else the deletion's, else the pod's.
func containerGrace(pod *v1.Pod, override *int64) int64 {
	g := int64(defaultGrace)
	switch {
	case override != nil:
		g = *override
	case pod.DeletionGracePeriodSeconds != nil:
		g = *pod.DeletionGracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		g = *pod.Spec.TerminationGracePeriodSeconds
	}
	return max(g, minimumGrace)
}

func deletionGrace(pod *v1.Pod) int64 { return containerGrace(pod, nil) }

// stopContainer runs the container's preStop hook within the grace period,
// then asks the runtime to stop it with what is left of it (SIGTERM, then
// SIGKILL). message is the Killing event's.
func (m *Manager) stopContainer(ctx context.Context, pod *v1.Pod, spec *v1.Container, isInit bool, id, message string, grace int64) {
	log := m.log.With("pod", pod.Namespace+"/"+pod.Name, "container", spec.Name, "containerID", id)
	fp := fieldPath(spec.Name, isInit)
	m.event(pod, fp, v1.EventTypeNormal, "Killing", message)
	start := m.clock.Now()
	if spec.Lifecycle != nil && spec.Lifecycle.PreStop != nil {
		hctx, cancel := context.WithTimeout(ctx, time.Duration(grace)*time.Second)
		if err := m.runHook(hctx, pod, spec, id, spec.Lifecycle.PreStop, podIPs(pod)); err != nil {
			m.event(pod, fp, v1.EventTypeWarning, "FailedPreStopHook", "PreStopHook failed")
			log.Error("PreStop hook failed", "err", err)
		}
		cancel()
		grace = max(grace-int64(m.clock.Since(start).Seconds()), minimumGrace)
	}
	log.Info("Stopping container", "gracePeriod", grace)
	if _, err := m.cfg.Runtime.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: id, Timeout: grace}); err != nil {
		log.Error("Stop container failed", "err", err)
	}
}

// stopPod stops every running container — app containers first, then init
// containers and sidecars, as kubelet orders a pod's shutdown — and then the
// sandboxes. Containers stay for their logs.
func (m *Manager) stopPod(ctx context.Context, log *slog.Logger, pod *v1.Pod, rt *runtimePod, grace int64) {
	stopAll := func(specs []v1.Container, isInit bool) {
		var wg sync.WaitGroup
		for i := range specs {
			spec := &specs[i]
			for _, c := range rt.history(spec.Name) {
				if c.exited() {
					continue
				}
				wg.Go(func() { m.stopContainer(ctx, pod, spec, isInit, c.ID, "Stopping container "+spec.Name, grace) })
			}
		}
		wg.Wait()
	}
	stopAll(pod.Spec.Containers, false)
	stopAll(pod.Spec.InitContainers, true)
	for _, sb := range rt.Sandboxes {
		if !sb.Ready {
			continue
		}
		if _, err := m.cfg.Runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.ID}); err != nil {
			log.Error("Stop pod sandbox failed", "sandbox", sb.ID, "err", err)
		}
	}
}

// terminate stops a deleted pod, removes everything it had on the node and,
// if its object still exists, deletes it for good: that is what completes a
// graceful delete in the API server.
func (m *Manager) terminate(ctx context.Context, log *slog.Logger, w *worker, pod *v1.Pod, rt *runtimePod, deleted bool) (bool, error) {
	log.Info("Terminating pod", "gracePeriod", deletionGrace(pod))
	m.stopPod(ctx, log, pod, rt, deletionGrace(pod))
	rt, err := readRuntime(ctx, m.cfg.Runtime, pod.UID)
	if err != nil {
		return false, err
	}
	if !deleted {
		m.readTerminationMessages(log, pod, rt)
		st := podStatus(statusInput{Pod: pod, Runtime: rt, Waiting: w.waiting, Ready: m.cfg.Probes.Ready, Started: m.cfg.Probes.Started,
			HostIPs: m.cfg.NodeIPs, Now: m.clock.Now(), Terminal: true})
		if err := m.writeStatus(ctx, w, pod, st); err != nil {
			log.Warn("Write final pod status failed", "err", err)
		}
	}
	if err := m.cleanup(ctx, pod, rt); err != nil {
		return false, err
	}
	if !deleted {
		err := m.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: new(int64(0)), Preconditions: &metav1.Preconditions{UID: &pod.UID}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return false, fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
	}
	log.Info("Pod terminated")
	return true, nil
}

// cleanup removes the pod's containers, sandboxes, volumes and cgroup and
// forgets its probes and back-off.
func (m *Manager) cleanup(ctx context.Context, pod *v1.Pod, rt *runtimePod) error {
	var errs []error
	for _, c := range rt.Containers {
		if _, err := m.cfg.Runtime.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: c.ID}); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.ID, err))
		}
	}
	for _, sb := range rt.Sandboxes {
		if _, err := m.cfg.Runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.ID}); err != nil {
			errs = append(errs, fmt.Errorf("stop sandbox %s: %w", sb.ID, err))
			continue
		}
		if _, err := m.cfg.Runtime.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.ID}); err != nil {
			errs = append(errs, fmt.Errorf("remove sandbox %s: %w", sb.ID, err))
		}
	}
	if err := m.cfg.Volumes.Teardown(ctx, pod.UID); err != nil {
		errs = append(errs, fmt.Errorf("tear down volumes: %w", err))
	}
	if err := m.cfg.Cgroups.RemovePod(pod); err != nil {
		errs = append(errs, fmt.Errorf("remove cgroup: %w", err))
	}
	if m.cfg.LogDir != "" {
		if err := os.RemoveAll(containerconfig.LogDirectory(m.cfg.LogDir, pod)); err != nil {
			errs = append(errs, fmt.Errorf("remove logs: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clean up pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	m.cfg.Probes.Remove(pod.UID)
	m.crash.forgetPrefix(string(pod.UID) + "/")
	m.setup.forgetPrefix(string(pod.UID) + "/")
	return nil
}

func podIPs(pod *v1.Pod) []string {
	var out []string
	for _, ip := range pod.Status.PodIPs {
		out = append(out, ip.IP)
	}
	return out
}
