// Package sim runs simulated nodes: kubelets without containers, so the
// control plane can be driven and measured at a scale no machine could
// host for real. It is an ordinary API client (client-go only).
//
// Nodes. Run registers Options.Nodes nodes named NamePrefix0… with the
// labels, capacity, conditions, addresses and nodeInfo a kubelet posts
// (zones sim-a, sim-b, sim-c round-robin in topology.kubernetes.io/zone),
// renews a Lease per node in kube-node-lease every LeaseInterval (10s,
// leaseDurationSeconds 40) and posts node status every StatusInterval (5m)
// or at once when the node stops reading Ready=True (e.g. after the node
// lifecycle controller marked it Unknown).
//
// Pods. Every pod bound to a sim node goes through Stages, data in the
// style of kwok's stages (selector, delay plus jitter, effect):
//
//	run     Pending → Running and Ready, StartupDelay (+≤10% jitter) after
//	        it was scheduled: pod IP from the node's /24 (or spec.podCIDR),
//	        containers running, init containers Completed, conditions True.
//	exit    Running → Succeeded (exit code 0) or Failed, for pods with
//	        restartPolicy Never or OnFailure that are known to exit:
//	          sim.bosun.dev/exit-after: "2s"   run this long, then exit
//	          sim.bosun.dev/exit-code: "1"     with this code (default 0)
//	        Pods owned by a Job without the annotation exit 0 after
//	        JobRuntime (1s). Container restarts are not simulated: a
//	        non-zero exit fails the pod even under OnFailure.
//	delete  a pod marked for deletion is removed, as kubelet does, with
//	        grace 0 and a UID precondition, min(grace period, StopDelay)
//	        after the delete request (StopDelay defaults to 1s).
//
// Node failure. A node acts as a dead kubelet (no Lease renewals, no status,
// no pod progress, so its deleted pods stay Terminating) while it carries
// the annotation sim.bosun.dev/fail: "true", or when it was named in
// Options.Fail (--fail) and is not annotated sim.bosun.dev/fail: "false".
// Removing the annotation heals it: the Lease and Ready status are posted
// at once and its pods move on.
package sim
