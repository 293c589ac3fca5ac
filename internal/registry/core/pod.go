package core

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/bosun-dev/bosun/internal/registry"
)

func podRules() registry.Rules {
	return registry.Rules{
		Default:          func(obj runtime.Object) { defaultPod(obj.(*corev1.Pod)) },
		PrepareForCreate: func(obj runtime.Object) { preparePodForCreate(obj.(*corev1.Pod)) },
		Validate:         func(obj runtime.Object) field.ErrorList { return validatePod(obj.(*corev1.Pod)) },
		ValidateUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validatePodUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
		},
		ValidateStatusUpdate: func(obj, old runtime.Object) field.ErrorList {
			return validatePodStatusUpdate(obj.(*corev1.Pod), old.(*corev1.Pod))
		},
		Columns: podColumns,
		Row:     func(obj runtime.Object) []interface{} { return podRow(obj.(*corev1.Pod)) },
		Fields:  func(obj runtime.Object) fields.Set { return podFields(obj.(*corev1.Pod)) },
	}
}

// defaultPod applies the template defaults plus those Kubernetes gives pods
// alone: requests default to limits, service links are on, and on the host
// network container ports are host ports.
func defaultPod(pod *corev1.Pod) {
	spec := &pod.Spec
	DefaultPodSpec(spec)
	for i := range spec.InitContainers {
		defaultRequestsFromLimits(&spec.InitContainers[i].Resources)
	}
	for i := range spec.Containers {
		defaultRequestsFromLimits(&spec.Containers[i].Resources)
	}
	if spec.EnableServiceLinks == nil {
		spec.EnableServiceLinks = boolPtr(corev1.DefaultEnableServiceLinks)
	}
	if spec.HostNetwork {
		hostNetworkPorts(spec.InitContainers)
		hostNetworkPorts(spec.Containers)
	}
}

func defaultRequestsFromLimits(r *corev1.ResourceRequirements) {
	if len(r.Limits) == 0 {
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; !ok {
			r.Requests[name] = q.DeepCopy()
		}
	}
}

func hostNetworkPorts(cs []corev1.Container) {
	for i := range cs {
		for j := range cs[i].Ports {
			if cs[i].Ports[j].HostPort == 0 {
				cs[i].Ports[j].HostPort = cs[i].Ports[j].ContainerPort
			}
		}
	}
}

// System priority classes Kubernetes creates at start, by name.
var systemPriorities = map[string]int32{
	"system-node-critical":    2000001000,
	"system-cluster-critical": 2000000000,
}

// notReadyTolerationSeconds is how long a pod stays bound to a node that went
// not-ready or unreachable, as the DefaultTolerationSeconds admission plugin
// sets it.
const notReadyTolerationSeconds = 300

// preparePodForCreate sets the initial status and does what Kubernetes'
// admission plugins add to every pod: the default service account, the
// not-ready/unreachable tolerations and the priority.
func preparePodForCreate(pod *corev1.Pod) {
	spec := &pod.Spec
	if spec.ServiceAccountName == "" {
		spec.ServiceAccountName = "default"
	}
	spec.DeprecatedServiceAccount = spec.ServiceAccountName
	addDefaultToleration(spec, corev1.TaintNodeNotReady)
	addDefaultToleration(spec, corev1.TaintNodeUnreachable)
	if spec.Priority == nil {
		p := systemPriorities[spec.PriorityClassName]
		spec.Priority = &p
	}
	if spec.PreemptionPolicy == nil {
		pp := corev1.PreemptLowerPriority
		spec.PreemptionPolicy = &pp
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: podQOS(pod)}
	if len(spec.SchedulingGates) > 0 {
		pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{
			Type:    corev1.PodScheduled,
			Status:  corev1.ConditionFalse,
			Reason:  corev1.PodReasonSchedulingGated,
			Message: "Scheduling is blocked due to non-empty scheduling gates",
		})
	}
}

// addDefaultToleration tolerates a NoExecute taint for five minutes unless
// the pod already says how it tolerates it.
func addDefaultToleration(spec *corev1.PodSpec, key string) {
	for _, t := range spec.Tolerations {
		if (t.Key == key || t.Key == "") && (t.Effect == corev1.TaintEffectNoExecute || t.Effect == "") {
			return
		}
	}
	spec.Tolerations = append(spec.Tolerations, corev1.Toleration{
		Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute,
		TolerationSeconds: int64Ptr(notReadyTolerationSeconds),
	})
}

// podQOS classifies a pod by its containers' cpu and memory: Guaranteed when
// every container's requests equal its limits for both, BestEffort when none
// asks for anything, Burstable otherwise.
func podQOS(pod *corev1.Pod) corev1.PodQOSClass {
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	guaranteed := true
	containers := append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range containers {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := c.Resources.Requests[name]; ok && q.Sign() > 0 {
				add(requests, name, q)
			}
			if q, ok := c.Resources.Limits[name]; ok && q.Sign() > 0 {
				add(limits, name, q)
			} else {
				guaranteed = false
			}
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed {
		for name, req := range requests {
			if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
				guaranteed = false
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

func add(rl corev1.ResourceList, name corev1.ResourceName, q resource.Quantity) {
	sum := rl[name]
	sum.Add(q)
	rl[name] = sum
}

func validatePod(pod *corev1.Pod) field.ErrorList {
	specPath := field.NewPath("spec")
	errs := validatePodSpec(&pod.Spec, podSpecOptions{pod: true}, specPath)
	errs = append(errs, validateEphemeralContainers(&pod.Spec, specPath.Child("ephemeralContainers"))...)
	return errs
}

func validateEphemeralContainers(spec *corev1.PodSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	for _, c := range spec.Containers {
		names[c.Name] = true
	}
	for _, c := range spec.InitContainers {
		names[c.Name] = true
	}
	for i, ec := range spec.EphemeralContainers {
		p := fldPath.Index(i)
		c := &ec.EphemeralContainerCommon
		if c.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		} else {
			errs = append(errs, dnsLabel(c.Name, p.Child("name"))...)
		}
		if names[c.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
		}
		names[c.Name] = true
		if c.Image == "" {
			errs = append(errs, field.Required(p.Child("image"), ""))
		}
		if len(c.Ports) > 0 {
			errs = append(errs, field.Forbidden(p.Child("ports"), "cannot be set for an Ephemeral Container"))
		}
		if c.Lifecycle != nil {
			errs = append(errs, field.Forbidden(p.Child("lifecycle"), "cannot be set for an Ephemeral Container"))
		}
		if c.LivenessProbe != nil || c.ReadinessProbe != nil || c.StartupProbe != nil {
			errs = append(errs, field.Forbidden(p, "probes cannot be set for an Ephemeral Container"))
		}
	}
	return errs
}

// podIPs lists the pod's addresses. v1 clients may set only the older
// single podIP, which is the first of podIPs when both are set.
func podIPs(pod *corev1.Pod) []string {
	ips := make([]string, 0, len(pod.Status.PodIPs))
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 && pod.Status.PodIP != "" {
		ips = append(ips, pod.Status.PodIP)
	}
	return ips
}

func podFields(pod *corev1.Pod) fields.Set {
	podIP := ""
	ips := podIPs(pod)
	if len(ips) > 0 {
		podIP = ips[0]
	}
	return fields.Set{
		"spec.nodeName":            pod.Spec.NodeName,
		"spec.restartPolicy":       string(pod.Spec.RestartPolicy),
		"spec.schedulerName":       pod.Spec.SchedulerName,
		"spec.serviceAccountName":  pod.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(pod.Spec.HostNetwork),
		"status.phase":             string(pod.Status.Phase),
		"status.podIP":             podIP,
		"status.podIPs":            strings.Join(ips, ","),
		"status.nominatedNodeName": pod.Status.NominatedNodeName,
	}
}
