// Command controlplane measures the scheduler and controllers at a scale no
// laptop could host with real containers: it starts `bosun server` and
// `bosun sim` (simulated nodes) as child processes and drives Deployments
// through client-go, printing each figure beside its target (issue 4):
//
//   - schedule: 10,000 pods as 100 Deployments onto 1,000 nodes, from first
//     create to all bound (pods/s, p50/p99 per-pod scheduling latency);
//   - spread: the same with pod anti-affinity and topology spread on every pod;
//   - rollout: a 1,000-replica Deployment rolled to a new image (maxSurge 25%);
//   - nodefail: pods of a failed node replaced elsewhere (10 s grace, 5 s
//     toleration), on a 100-node cluster of its own.
//
// Run it with `make bench`; -quick shrinks the sizes for a smoke run.
package main
