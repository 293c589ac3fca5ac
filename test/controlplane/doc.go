// Package controlplane tests the scheduler and controllers together: a real
// server (internal/testenv) with every component, and simulated nodes
// (internal/sim) that run what is bound to them.
package controlplane
