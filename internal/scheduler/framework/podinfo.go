package framework

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// AffinityTerm is a pod (anti-)affinity term with its selectors parsed once,
// so matching it against thousands of pods costs map lookups only.
type AffinityTerm struct {
	// Namespaces the term names; empty with no NamespaceSelector means the
	// owning pod's own namespace (filled in by NewPodInfo).
	Namespaces        map[string]struct{}
	NamespaceSelector labels.Selector
	Selector          labels.Selector
	TopologyKey       string
	Weight            int32
	// key names the term in per-node count memos.
	key memoKey
}

// Matches reports whether pod (whose namespace carries nsLabels) is
// selected by the term.
func (t *AffinityTerm) Matches(pod *corev1.Pod, nsLabels labels.Set) bool {
	if _, ok := t.Namespaces[pod.Namespace]; !ok {
		if t.NamespaceSelector == nil || !t.NamespaceSelector.Matches(nsLabels) {
			return false
		}
	}
	return t.Selector.Matches(labels.Set(pod.Labels))
}

// hostPort is one host port a pod claims on its node.
type hostPort struct {
	ip       string
	protocol corev1.Protocol
	port     int32
}

// PodInfo is a pod with everything the filters and scorers derive from it,
// computed once when the pod enters the cache or the scheduling cycle.
type PodInfo struct {
	Pod      *corev1.Pod
	Requests Resource
	// NonZeroMilliCPU and NonZeroMemory are what scoring counts.
	NonZeroMilliCPU, NonZeroMemory int64

	RequiredAffinity      []AffinityTerm
	RequiredAntiAffinity  []AffinityTerm
	PreferredAffinity     []AffinityTerm
	PreferredAntiAffinity []AffinityTerm

	ports []hostPort
	// DefaultSpread selects the pods of the same Service, ReplicaSet or
	// StatefulSet; the shell fills it in (it needs listers) and scoring
	// spreads such pods when the pod has no constraints of its own.
	DefaultSpread labels.Selector
}

// NewPodInfo parses pod's requests, affinity terms and host ports.
func NewPodInfo(pod *corev1.Pod) *PodInfo {
	pi := &PodInfo{Pod: pod, Requests: PodRequests(pod)}
	pi.NonZeroMilliCPU, pi.NonZeroMemory = nonZeroRequests(pod)
	if a := pod.Spec.Affinity; a != nil {
		if pa := a.PodAffinity; pa != nil {
			pi.RequiredAffinity = parseTerms(pod, pa.RequiredDuringSchedulingIgnoredDuringExecution, 0)
			pi.PreferredAffinity = parseWeighted(pod, pa.PreferredDuringSchedulingIgnoredDuringExecution)
		}
		if pa := a.PodAntiAffinity; pa != nil {
			pi.RequiredAntiAffinity = parseTerms(pod, pa.RequiredDuringSchedulingIgnoredDuringExecution, 0)
			pi.PreferredAntiAffinity = parseWeighted(pod, pa.PreferredDuringSchedulingIgnoredDuringExecution)
		}
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			ip := p.HostIP
			if ip == "" {
				ip = "0.0.0.0"
			}
			pi.ports = append(pi.ports, hostPort{ip: ip, protocol: proto, port: p.HostPort})
		}
	}
	return pi
}

// scoresAffinity reports whether the pod carries a term that weighs on
// where other pods go (required anti-affinity is filtered, not scored),
// which keeps it on its node's short list for the affinity scorer.
func (pi *PodInfo) scoresAffinity() bool {
	return len(pi.RequiredAffinity)+len(pi.PreferredAffinity)+len(pi.PreferredAntiAffinity) > 0
}

func parseWeighted(pod *corev1.Pod, terms []corev1.WeightedPodAffinityTerm) []AffinityTerm {
	var out []AffinityTerm
	for _, w := range terms {
		out = append(out, parseTerms(pod, []corev1.PodAffinityTerm{w.PodAffinityTerm}, w.Weight)...)
	}
	return out
}

// parseTerms turns API terms into AffinityTerms; a term whose selector does
// not parse matches nothing, as API validation should have refused it.
func parseTerms(pod *corev1.Pod, terms []corev1.PodAffinityTerm, weight int32) []AffinityTerm {
	out := make([]AffinityTerm, 0, len(terms))
	for i := range terms {
		t := &terms[i]
		sel := mergeLabelKeys(t.LabelSelector, pod, t.MatchLabelKeys, t.MismatchLabelKeys)
		at := AffinityTerm{Selector: sel, TopologyKey: t.TopologyKey, Weight: weight, Namespaces: map[string]struct{}{}}
		for _, ns := range t.Namespaces {
			at.Namespaces[ns] = struct{}{}
		}
		if t.NamespaceSelector != nil {
			s, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector)
			if err != nil {
				s = labels.Nothing()
			}
			at.NamespaceSelector = s
		}
		if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
			at.Namespaces[pod.Namespace] = struct{}{}
		}
		at.key = termKey(&at)
		out = append(out, at)
	}
	return out
}

// mergeLabelKeys parses a label selector and adds the pod's own values for
// matchLabelKeys (key in value) and mismatchLabelKeys (key notin value).
func mergeLabelKeys(ls *metav1.LabelSelector, pod *corev1.Pod, match, mismatch []string) labels.Selector {
	if ls == nil {
		return labels.Nothing()
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return labels.Nothing()
	}
	for _, k := range match {
		if v, ok := pod.Labels[k]; ok {
			if r, err := labels.NewRequirement(k, "in", []string{v}); err == nil {
				sel = sel.Add(*r)
			}
		}
	}
	for _, k := range mismatch {
		if v, ok := pod.Labels[k]; ok {
			if r, err := labels.NewRequirement(k, "notin", []string{v}); err == nil {
				sel = sel.Add(*r)
			}
		}
	}
	return sel
}
