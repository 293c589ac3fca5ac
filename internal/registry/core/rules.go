package core

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	gv := corev1.SchemeGroupVersion
	return registry.RulesSet{
		gv.WithKind("Pod"):                   podRules(),
		gv.WithKind("Service"):               serviceRules(),
		gv.WithKind("ConfigMap"):             configMapRules(),
		gv.WithKind("Secret"):                secretRules(),
		gv.WithKind("Namespace"):             namespaceRules(),
		gv.WithKind("Node"):                  nodeRules(),
		gv.WithKind("Event"):                 eventRules(),
		gv.WithKind("Endpoints"):             endpointsRules(),
		gv.WithKind("ServiceAccount"):        serviceAccountRules(),
		gv.WithKind("PersistentVolume"):      persistentVolumeRules(),
		gv.WithKind("PersistentVolumeClaim"): persistentVolumeClaimRules(),
		gv.WithKind("ResourceQuota"):         resourceQuotaRules(),
		gv.WithKind("LimitRange"):            limitRangeRules(),
		gv.WithKind("PodTemplate"):           podTemplateRules(),
		gv.WithKind("ReplicationController"): replicationControllerRules(),
	}
}
