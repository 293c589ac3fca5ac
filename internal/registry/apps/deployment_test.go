package apps

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func deployment(mutate func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: meta("web"),
		Spec:       appsv1.DeploymentSpec{Selector: webSelector(), Template: podTemplate()},
	}
	deploymentRules().Default(d)
	if mutate != nil {
		mutate(d)
	}
	return d
}

func intOrStr(s string) *intstr.IntOrString {
	v := intstr.Parse(s)
	return &v
}

func TestDeploymentDefaults(t *testing.T) {
	d := deployment(nil)
	want := appsv1.DeploymentSpec{
		Replicas: int32Ptr(1),
		Selector: webSelector(),
		Template: podTemplate(),
		Strategy: appsv1.DeploymentStrategy{
			Type:          appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: intOrStr("25%"), MaxSurge: intOrStr("25%")},
		},
		RevisionHistoryLimit:    int32Ptr(10),
		ProgressDeadlineSeconds: int32Ptr(600),
	}
	if !reflect.DeepEqual(d.Spec, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", d.Spec, want)
	}

	// Recreate gets no rollingUpdate, and set values are kept.
	r := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: int32Ptr(0), Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}}
	defaultDeployment(r)
	if r.Spec.Strategy.RollingUpdate != nil || *r.Spec.Replicas != 0 {
		t.Errorf("recreate defaults: %+v", r.Spec)
	}
	p := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Strategy: appsv1.DeploymentStrategy{RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: intOrStr("3")}}}}
	defaultDeployment(p)
	if got := p.Spec.Strategy.RollingUpdate; got.MaxSurge.IntValue() != 3 || got.MaxUnavailable.StrVal != "25%" {
		t.Errorf("partial rollingUpdate defaults: %+v", got)
	}
}

func TestDeploymentValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*appsv1.Deployment)
		want   []string
	}{
		{name: "valid"},
		{name: "negative replicas", mutate: func(d *appsv1.Deployment) { d.Spec.Replicas = int32Ptr(-1) },
			want: []string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"}},
		{name: "no selector", mutate: func(d *appsv1.Deployment) { d.Spec.Selector = nil },
			want: []string{
				"spec.selector: Required value",
				`spec.template.metadata.labels: Invalid value: {"app":"web"}: ` + "`selector` does not match template `labels`",
			}},
		{name: "empty selector", mutate: func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} },
			want: []string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"}},
		{name: "selector mismatch", mutate: func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"a": "c"} },
			want: []string{`spec.template.metadata.labels: Invalid value: {"a":"c"}: ` + "`selector` does not match template `labels`"}},
		{name: "bad selector operator", mutate: func(d *appsv1.Deployment) {
			d.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}}
		}, want: []string{
			`spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator`,
			`spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Near"}]}: invalid label selector`,
		}},
		{name: "restartPolicy", mutate: func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			want: []string{`spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`}},
		{name: "activeDeadlineSeconds", mutate: func(d *appsv1.Deployment) {
			v := int64(5)
			d.Spec.Template.Spec.ActiveDeadlineSeconds = &v
		}, want: []string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"}},
		{name: "both zero", mutate: func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: intOrStr("0"), MaxUnavailable: intOrStr("0%")}
		}, want: []string{`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when ` + "`maxSurge`" + ` is 0`}},
		{name: "over 100%", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.RollingUpdate.MaxUnavailable = intOrStr("120%") },
			want: []string{`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%`}},
		{name: "bad percent", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.RollingUpdate.MaxSurge = intOrStr("abc") },
			want: []string{`spec.strategy.rollingUpdate.maxSurge: Invalid value: "abc": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`}},
		{name: "negative surge", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.RollingUpdate.MaxSurge = intOrStr("-1") },
			want: []string{"spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"}},
		{name: "recreate with rollingUpdate", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType },
			want: []string{"spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"}},
		{name: "unknown strategy", mutate: func(d *appsv1.Deployment) { d.Spec.Strategy = appsv1.DeploymentStrategy{Type: "Blue"} },
			want: []string{`spec.strategy: Unsupported value: {"type":"Blue"}: supported values: "Recreate", "RollingUpdate"`}},
		{name: "progress deadline", mutate: func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 },
			want: []string{"spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"}},
		{name: "negative history", mutate: func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = int32Ptr(-2) },
			want: []string{"spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErrors(t, deploymentRules().Validate(deployment(tc.mutate)), tc.want...)
		})
	}
}

func TestDeploymentValidateUpdate(t *testing.T) {
	old := deployment(nil)
	scaled := deployment(func(d *appsv1.Deployment) { d.Spec.Replicas = int32Ptr(5) })
	wantErrors(t, deploymentRules().ValidateUpdate(scaled, old))

	moved := deployment(func(d *appsv1.Deployment) {
		d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "x"}}
		d.Spec.Template.Labels["tier"] = "x"
	})
	wantErrors(t, deploymentRules().ValidateUpdate(moved, old),
		`spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable`)
}

func TestDeploymentValidateStatus(t *testing.T) {
	old := deployment(func(d *appsv1.Deployment) { d.Status.CollisionCount = int32Ptr(2) })
	bad := deployment(func(d *appsv1.Deployment) {
		d.Status = appsv1.DeploymentStatus{Replicas: 2, ReadyReplicas: 3, AvailableReplicas: 1, UpdatedReplicas: -1, CollisionCount: int32Ptr(1)}
	})
	wantErrors(t, deploymentRules().ValidateStatusUpdate(bad, old),
		"status.updatedReplicas: Invalid value: -1: must be greater than or equal to 0",
		"status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas",
		"status.collisionCount: Invalid value: 1: cannot be decremented",
	)
}

func TestDeploymentTable(t *testing.T) {
	d := deployment(func(d *appsv1.Deployment) {
		d.Spec.Replicas = int32Ptr(3)
		d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "side", Image: "busybox"})
		d.Status = appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2}
		d.CreationTimestamp = metav1.NewTime(time.Now().Add(-5 * time.Minute))
	})
	r := deploymentRules()
	var names []string
	for _, c := range r.Columns {
		names = append(names, c.Name)
	}
	wantNames := []string{"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("columns %v, want %v", names, wantNames)
	}
	want := []interface{}{"web", "2/3", int64(3), int64(2), "5m", "web,side", "nginx:1.27,busybox", "app=web"}
	if got := r.Row(d); !reflect.DeepEqual(got, want) {
		t.Errorf("row %#v, want %#v", got, want)
	}
}
