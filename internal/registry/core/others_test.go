package core

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestRulesCoverEveryCoreKind(t *testing.T) {
	set := Rules()
	for _, kind := range []string{"Pod", "Service", "ConfigMap", "Secret", "Namespace", "Node", "Event", "Endpoints",
		"ServiceAccount", "PersistentVolume", "PersistentVolumeClaim", "ResourceQuota", "LimitRange", "PodTemplate", "ReplicationController"} {
		r, ok := set[schema.GroupVersionKind{Version: "v1", Kind: kind}]
		if !ok {
			t.Errorf("no rules for %s", kind)
			continue
		}
		if (r.Columns == nil) != (r.Row == nil) {
			t.Errorf("%s: columns and row must come together", kind)
		}
	}
}

func TestNode(t *testing.T) {
	r := nodeRules()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"node-role.kubernetes.io/control-plane": ""}}}
	n.Spec.PodCIDR = "10.244.0.0/24"
	n.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")}
	r.Default(n)
	if len(n.Spec.PodCIDRs) != 1 || n.Status.Allocatable.Cpu().String() != "4" {
		t.Errorf("defaults: %+v", n)
	}
	n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: "NoRun"}, {Key: "a b", Effect: corev1.TaintEffectNoSchedule}}
	wantErrors(t, r.Validate(n),
		`spec.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
		`spec.taints[1].key: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
	)
	n.Spec.Taints = nil
	moved := n.DeepCopy()
	moved.Spec.PodCIDRs = []string{"10.244.1.0/24"}
	wantErrors(t, r.ValidateUpdate(moved, n), `spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid`)

	n.Spec.Unschedulable = true
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	n.Status.NodeInfo.KubeletVersion = "v1.32.0"
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.10"}}
	wantCells(t, r.Row(n), "n1", "Ready,SchedulingDisabled", "control-plane", "<unknown>", "v1.32.0", "192.168.1.10", "<none>", "<unknown>", "<unknown>", "<unknown>")
	if f := r.Fields(n); f["spec.unschedulable"] != "true" {
		t.Errorf("fields: %v", f)
	}
}

func TestEvent(t *testing.T) {
	r := eventRules()
	e := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "web.1", Namespace: "default"}}
	e.InvolvedObject = corev1.ObjectReference{Kind: "Pod", Name: "web", Namespace: "other", FieldPath: "spec.containers{web}"}
	wantErrors(t, r.Validate(e), `involvedObject.namespace: Invalid value: "other": does not match event.namespace`)
	e.InvolvedObject.Namespace = "default"
	wantErrors(t, r.Validate(e))

	e.Type, e.Reason, e.Message, e.Count = "Normal", "Pulled", "pulled image ", 3
	e.Source = corev1.EventSource{Component: "kubelet", Host: "n1"}
	e.LastTimestamp = metav1.NewTime(time.Now().Add(-2 * time.Minute))
	e.FirstTimestamp = metav1.NewTime(time.Now().Add(-10 * time.Minute))
	wantCells(t, r.Row(e), "2m", "Normal", "Pulled", "pod/web", "spec.containers{web}", "kubelet, n1", "pulled image", "10m", int64(3), "web.1")
	f := r.Fields(e)
	if f["involvedObject.name"] != "web" || f["source"] != "kubelet" || f["type"] != "Normal" || f["reason"] != "Pulled" {
		t.Errorf("fields: %v", f)
	}
	if cols := eventRules().Columns; len(cols) != 10 || cols[0].Name != "Last Seen" {
		t.Errorf("event columns: %+v", cols)
	}
}

func TestEndpoints(t *testing.T) {
	r := endpointsRules()
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web"}}
	ep.Subsets = []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.1.0.1"}, {IP: "10.1.0.2"}, {IP: "10.1.0.3"}, {IP: "10.1.0.4"}},
		Ports:     []corev1.EndpointPort{{Port: 8080}},
	}}
	r.Default(ep)
	wantErrors(t, r.Validate(ep))
	wantCells(t, r.Row(ep), "web", "10.1.0.1:8080,10.1.0.2:8080,10.1.0.3:8080 + 1 more...", "<unknown>")
	ep.Subsets[0].Addresses[0].IP = "127.0.0.1"
	wantErrors(t, r.Validate(ep))
	ep.Subsets[0].Addresses[0].IP = "169.254.1.1"
	wantErrors(t, r.Validate(ep), `subsets[0].addresses[0].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)`)
	wantCells(t, r.Row(&corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "e"}}), "e", "<none>", "<unknown>")
}

func TestPersistentVolume(t *testing.T) {
	r := persistentVolumeRules()
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}
	r.Default(pv)
	r.PrepareForCreate(pv)
	if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || *pv.Spec.VolumeMode != corev1.PersistentVolumeFilesystem || pv.Status.Phase != corev1.VolumePending {
		t.Errorf("defaults: %+v", pv)
	}
	wantErrors(t, r.Validate(pv), "spec.accessModes: Required value", "spec.capacity: Required value", "spec: Required value: must specify a volume type")
	pv.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	pv.Spec.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}
	pv.Spec.HostPath = &corev1.HostPathVolumeSource{Path: "/data"}
	pv.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "default", Name: "data"}
	pv.Status.Phase = corev1.VolumeBound
	wantErrors(t, r.Validate(pv))
	wantCells(t, r.Row(pv), "pv1", "1Gi", "RWO", "Retain", "Bound", "default/data", "", "<unset>", "", "<unknown>", "Filesystem")
}

func TestPersistentVolumeClaim(t *testing.T) {
	r := persistentVolumeClaimRules()
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"}}
	r.Default(pvc)
	r.PrepareForCreate(pvc)
	wantErrors(t, r.Validate(pvc), "spec.accessModes: Required value: at least 1 access mode is required", "spec.resources[storage]: Required value")
	pvc.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	pvc.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}
	wantErrors(t, r.Validate(pvc))
	wantCells(t, r.Row(pvc), "data", "Pending", "", "", "", "", "<unset>", "<unknown>", "Filesystem")

	bound := pvc.DeepCopy()
	bound.Spec.VolumeName = "pv1"
	bound.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound, Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}
	wantErrors(t, r.ValidateUpdate(bound, pvc)) // the binder sets volumeName once
	grown := bound.DeepCopy()
	grown.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
	wantErrors(t, r.ValidateUpdate(grown, bound))
	changed := bound.DeepCopy()
	changed.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	wantErrors(t, r.ValidateUpdate(changed, bound), "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")
	wantCells(t, r.Row(bound), "data", "Bound", "pv1", "1Gi", "", "", "<unset>", "<unknown>", "Filesystem")
}

func TestResourceQuota(t *testing.T) {
	r := resourceQuotaRules()
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q"}}
	q.Spec.Hard = corev1.ResourceList{"pods": resource.MustParse("10"), "widgets": resource.MustParse("1"), "services": resource.MustParse("1.5")}
	wantErrors(t, r.Validate(q),
		`spec.hard[services]: Invalid value: "1500m": must be an integer`,
		`spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota`,
	)
	q.Status.Hard = corev1.ResourceList{"pods": resource.MustParse("10"), "limits.cpu": resource.MustParse("2"), "requests.cpu": resource.MustParse("1")}
	q.Status.Used = corev1.ResourceList{"pods": resource.MustParse("3")}
	wantCells(t, r.Row(q), "q", "<unknown>", "pods: 3/10, requests.cpu: 0/1", "limits.cpu: 0/2")
}

func TestLimitRange(t *testing.T) {
	r := limitRangeRules()
	lr := &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:    corev1.LimitTypeContainer,
		Min:     corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
		Max:     corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
		Default: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
	}}}}
	wantErrors(t, r.Validate(lr),
		`spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1`,
		`spec.limits[0].default[cpu]: Invalid value: "1": min value 2 is greater than default value 1`,
	)
	if r.Columns != nil {
		t.Error("limit ranges use the default NAME/CREATED AT table")
	}
	d := &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer,
		Max:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
		Min:  corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
	}}}}
	r.Default(d)
	l := d.Spec.Limits[0]
	if l.Default.Cpu().String() != "2" || l.DefaultRequest.Cpu().String() != "2" || l.DefaultRequest.Memory().String() != "64Mi" {
		t.Errorf("limit range defaults: %+v", l)
	}
	wantErrors(t, r.Validate(d))
}

func TestReplicationController(t *testing.T) {
	r := replicationControllerRules()
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "web"}}
	rc.Spec.Template = &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}}
	rc.Spec.Template.Spec.Containers = []corev1.Container{{Name: "web", Image: "nginx"}}
	r.Default(rc)
	if *rc.Spec.Replicas != 1 || rc.Spec.Selector["app"] != "web" || rc.Labels["app"] != "web" || rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("defaults: %+v", rc)
	}
	wantErrors(t, r.Validate(rc))
	bad := rc.DeepCopy()
	bad.Spec.Replicas = int32Ptr(-1)
	bad.Spec.Selector = map[string]string{"app": "db"}
	wantErrors(t, r.Validate(bad),
		"spec.replicas: Invalid value: -1: must be greater than or equal to 0",
		`spec.template.metadata.labels: Invalid value: {"app":"web"}: `+"`selector` does not match template `labels`",
	)
	rc.Status.Replicas, rc.Status.ReadyReplicas = 1, 1
	wantCells(t, r.Row(rc), "web", int64(1), int64(1), int64(1), "<unknown>", "web", "nginx", "app=web")
	if f := r.Fields(rc); f["status.replicas"] != "1" {
		t.Errorf("fields: %v", f)
	}
	noTemplate := &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Selector: map[string]string{"a": "b"}, Replicas: int32Ptr(1)}}
	wantErrors(t, r.Validate(noTemplate), "spec.template: Required value")
}

func TestPodTemplateAndServiceAccountTables(t *testing.T) {
	pt := &corev1.PodTemplate{ObjectMeta: metav1.ObjectMeta{Name: "t"}}
	pt.Template.Labels = map[string]string{"app": "web"}
	pt.Template.Spec.Containers = []corev1.Container{{Name: "a", Image: "x"}, {Name: "b", Image: "y"}}
	r := podTemplateRules()
	r.Default(pt)
	wantErrors(t, r.Validate(pt))
	wantCells(t, r.Row(pt), "t", "a,b", "x,y", "app=web")
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	wantCells(t, serviceAccountRules().Row(sa), "default", int64(0), "<unknown>")
}
