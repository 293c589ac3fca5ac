// Package autoscaling holds the defaulting, validation and table rules of
// the autoscaling API group (HorizontalPodAutoscaler), matching
// kube-apiserver for autoscaling/v2.
package autoscaling
