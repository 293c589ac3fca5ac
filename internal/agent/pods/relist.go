package pods

import (
	"context"
	"slices"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fullSyncEvery is how many resync ticks a settled pod may go without a sync
// when nothing about it changed in the runtime.
const fullSyncEvery = 30

// relist reads every sandbox and container of the node in two CRI calls and
// returns a fingerprint per pod UID, so one tick finds the pods whose
// containers changed (started, exited, vanished) without a per-pod sync, as
// kubelet's PLEG does.
func relist(ctx context.Context, rt runtimeapi.RuntimeServiceClient) (map[types.UID]string, error) {
	sandboxes, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return nil, err
	}
	containers, err := rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return nil, err
	}
	parts := map[types.UID][]string{}
	for _, s := range sandboxes.GetItems() {
		uid := types.UID(s.GetLabels()[labelPodUID])
		parts[uid] = append(parts[uid], "s"+s.GetId()+"="+s.GetState().String())
	}
	for _, c := range containers.GetContainers() {
		uid := types.UID(c.GetLabels()[labelPodUID])
		parts[uid] = append(parts[uid], "c"+c.GetId()+"="+c.GetState().String())
	}
	out := make(map[types.UID]string, len(parts))
	for uid, p := range parts {
		slices.Sort(p)
		out[uid] = strings.Join(p, ",")
	}
	return out, nil
}

// settled reports a pod whose last sync left nothing pending: no container
// waiting (back-off, pull or config errors) and every container running or
// finished. Such a pod needs a sync only when the runtime, its object or a
// probe says something changed.
func settled(status *v1.PodStatus, waiting map[string]waiting) bool {
	if status == nil || len(waiting) > 0 {
		return false
	}
	switch status.Phase {
	case v1.PodSucceeded, v1.PodFailed:
		return true
	case v1.PodRunning:
	default:
		return false
	}
	for _, c := range status.ContainerStatuses {
		if c.State.Running == nil && c.State.Terminated == nil {
			return false
		}
	}
	return true
}
