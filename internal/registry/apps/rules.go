package apps

import (
	appsv1 "k8s.io/api/apps/v1"

	"github.com/bosun-dev/bosun/internal/registry"
)

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet {
	gv := appsv1.SchemeGroupVersion
	return registry.RulesSet{
		gv.WithKind("Deployment"):         deploymentRules(),
		gv.WithKind("ReplicaSet"):         replicaSetRules(),
		gv.WithKind("StatefulSet"):        statefulSetRules(),
		gv.WithKind("DaemonSet"):          daemonSetRules(),
		gv.WithKind("ControllerRevision"): controllerRevisionRules(),
	}
}
