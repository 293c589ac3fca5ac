// Command agent measures the node agent on real containers (issue 5): it
// starts `bosun server --disable-agent` and a separate `bosun agent` (with
// certificates issued from the server's CA, its own bridge, cgroup root and
// cluster CIDR, so a `make run` cluster on the same host is not disturbed),
// imports a busybox image and prints each figure beside its target:
//
//   - 30 pods created at once, image present: p50/p99 from create to Ready;
//   - the agent's RSS with those pods running (containerd's for information);
//   - the agent's CPU over 30 s of idling with those pods running;
//   - `kubectl logs -f` latency: a pod stamps a line every 200 ms and the
//     stamp is compared with the line's arrival at real kubectl.
//
// At the end it deletes the pods, stops both processes by PID and runs
// `bosun agent cleanup`, so no container, mount, cgroup or bridge is left.
// It needs root; run it with `make bench`.
package main
