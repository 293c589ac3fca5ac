// Package controlplane runs the scheduler and the controllers against an API
// server as ordinary clients, each group under leader election through a
// Lease in kube-system (named as kube-scheduler's and
// kube-controller-manager's are), so two servers can run side by side and
// only one of each acts.
package controlplane
