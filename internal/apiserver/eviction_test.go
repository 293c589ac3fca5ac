package apiserver

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestAllowsDisruption(t *testing.T) {
	tests := []struct {
		name   string
		gen    int64
		status policyv1.PodDisruptionBudgetStatus
		code   int32
		cause  string
	}{
		{name: "allowed", gen: 1, status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DisruptionsAllowed: 1}},
		{name: "not observed", gen: 2, status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DisruptionsAllowed: 1},
			code: http.StatusTooManyRequests, cause: "The disruption budget b is still being processed by the server."},
		{name: "none left", gen: 1, status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DesiredHealthy: 3, CurrentHealthy: 2},
			code: http.StatusTooManyRequests, cause: "The disruption budget b needs 3 healthy pods and has 2 currently"},
		{name: "negative", gen: 1, status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DisruptionsAllowed: -1}, code: http.StatusForbidden},
		{name: "too many unconfirmed", gen: 1, status: policyv1.PodDisruptionBudgetStatus{ObservedGeneration: 1, DisruptionsAllowed: 1,
			DisruptedPods: disrupted(maxDisruptedPods + 1)}, code: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "b", Generation: tt.gen}, Status: tt.status}
			err := allowsDisruption(pdb)
			if tt.code == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			se, ok := err.(*apierrors.StatusError)
			if !ok || se.ErrStatus.Code != tt.code {
				t.Fatalf("got %v, want %d", err, tt.code)
			}
			if tt.cause != "" && (len(se.ErrStatus.Details.Causes) != 1 || se.ErrStatus.Details.Causes[0].Message != tt.cause) {
				t.Errorf("causes %+v, want %q", se.ErrStatus.Details.Causes, tt.cause)
			}
		})
	}
}

func disrupted(n int) map[string]metav1.Time {
	m := map[string]metav1.Time{}
	for i := range n {
		m[fmt.Sprintf("p%d", i)] = metav1.Now()
	}
	return m
}

func TestUnhealthyMayGo(t *testing.T) {
	tests := []struct {
		name             string
		policy           *policyv1.UnhealthyPodEvictionPolicyType
		current, desired int32
		want             bool
	}{
		{"IfHealthyBudget by default, healthy", nil, 2, 2, true},
		{"IfHealthyBudget, unhealthy", ptr.To(policyv1.IfHealthyBudget), 1, 2, false},
		{"IfHealthyBudget, nothing desired", nil, 0, 0, false},
		{"AlwaysAllow", ptr.To(policyv1.AlwaysAllow), 0, 2, true},
	}
	for _, tt := range tests {
		pdb := &policyv1.PodDisruptionBudget{Spec: policyv1.PodDisruptionBudgetSpec{UnhealthyPodEvictionPolicy: tt.policy},
			Status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: tt.current, DesiredHealthy: tt.desired}}
		if got := unhealthyMayGo(pdb); got != tt.want {
			t.Errorf("%s: got %v", tt.name, got)
		}
	}
}

func TestIgnoresBudgets(t *testing.T) {
	now := metav1.Now()
	for _, tt := range []struct {
		phase    corev1.PodPhase
		deleting bool
		want     bool
	}{
		{corev1.PodPending, false, true}, {corev1.PodSucceeded, false, true}, {corev1.PodFailed, false, true},
		{corev1.PodRunning, false, false}, {corev1.PodRunning, true, true}, {corev1.PodUnknown, false, false},
	} {
		p := &corev1.Pod{Status: corev1.PodStatus{Phase: tt.phase}}
		if tt.deleting {
			p.DeletionTimestamp = &now
		}
		if got := ignoresBudgets(p); got != tt.want {
			t.Errorf("%s deleting=%v: got %v", tt.phase, tt.deleting, got)
		}
	}
}

func TestEvictionDeleteOptions(t *testing.T) {
	all := []string{metav1.DryRunAll}
	opts, err := evictionDeleteOptions(&policyv1.Eviction{}, all)
	if err != nil || len(opts.DryRun) != 1 {
		t.Fatalf("query dryRun: %v %+v", err, opts)
	}
	ev := &policyv1.Eviction{DeleteOptions: &metav1.DeleteOptions{DryRun: all, GracePeriodSeconds: ptr.To[int64](5)}}
	if opts, err = evictionDeleteOptions(ev, nil); err != nil || len(opts.DryRun) != 1 || *opts.GracePeriodSeconds != 5 {
		t.Fatalf("body dryRun: %v %+v", err, opts)
	}
	if _, err := evictionDeleteOptions(ev, []string{"Bogus"}); !apierrors.IsBadRequest(err) {
		t.Errorf("disagreeing dryRun: %v", err)
	}
}

func TestSetDisruptionTargetKeepsTransitionTime(t *testing.T) {
	at := metav1.NewTime(time.Now().Add(-time.Hour))
	p := &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, LastTransitionTime: at}}}}
	setDisruptionTarget(p)
	c := p.Status.Conditions[0]
	if len(p.Status.Conditions) != 1 || !c.LastTransitionTime.Equal(&at) || c.Reason != "EvictionByEvictionAPI" || c.Message != "Eviction API: evicting" {
		t.Errorf("condition %+v", p.Status.Conditions)
	}
}
