// Package podautoscaler is the HorizontalPodAutoscaler controller
// (autoscaling/v2, Resource metrics): every sync period it reads the
// target's scale, the pods' cpu or memory usage from the resource metrics
// API, computes a replica count as Kubernetes does (tolerance, missing and
// unready pods, stabilization windows, scaling policies, min/max) and
// writes it through the scale subresource, with Kubernetes' conditions
// and events. The arithmetic is pure (replicas.go, behavior.go) with time
// passed in, so tests replay scenarios exactly.
package podautoscaler
