package tainteviction

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func seconds(s int64) *int64 { return &s }

func taint(key string, added time.Duration) corev1.Taint {
	t := metav1.NewTime(t0.Add(added))
	return corev1.Taint{Key: key, Effect: corev1.TaintEffectNoExecute, TimeAdded: &t}
}

func TestDecide(t *testing.T) {
	unreachable := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}
	withSeconds := func(tol corev1.Toleration, s int64) corev1.Toleration { tol.TolerationSeconds = seconds(s); return tol }
	notReady := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds(300)}
	tests := []struct {
		name  string
		tols  []corev1.Toleration
		taint []corev1.Taint
		want  verdict
	}{
		{"untolerated evicts at once", nil, []corev1.Taint{taint(corev1.TaintNodeUnreachable, 0)}, verdict{evict: true}},
		{"NoSchedule taints are not this controller's", nil, []corev1.Taint{{Key: "x", Effect: corev1.TaintEffectNoSchedule}}, verdict{}},
		{"tolerated forever stays", []corev1.Toleration{unreachable}, []corev1.Taint{taint(corev1.TaintNodeUnreachable, 0)}, verdict{}},
		{"tolerationSeconds count from timeAdded", []corev1.Toleration{withSeconds(unreachable, 5)},
			[]corev1.Taint{taint(corev1.TaintNodeUnreachable, 2*time.Second)}, verdict{evict: true, at: t0.Add(7 * time.Second)}},
		{"one untolerated taint of two evicts at once", []corev1.Toleration{withSeconds(unreachable, 5)},
			[]corev1.Taint{taint(corev1.TaintNodeUnreachable, 0), taint("dedicated", 0)}, verdict{evict: true}},
		{"shortest seconds from the earliest taint", []corev1.Toleration{withSeconds(unreachable, 60), notReady},
			[]corev1.Taint{taint(corev1.TaintNodeNotReady, 0), taint(corev1.TaintNodeUnreachable, 10*time.Second)}, verdict{evict: true, at: t0.Add(60 * time.Second)}},
		{"negative seconds mean at once", []corev1.Toleration{withSeconds(unreachable, -1)},
			[]corev1.Taint{taint(corev1.TaintNodeUnreachable, 0)}, verdict{evict: true, at: t0}},
		{"a taint without timeAdded counts from since", []corev1.Toleration{withSeconds(unreachable, 5)},
			[]corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}}, verdict{evict: true, at: t0.Add(time.Hour + 5*time.Second)}},
		{"wildcard toleration", []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			[]corev1.Taint{taint("anything", 0)}, verdict{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decide(tt.tols, tt.taint, t0.Add(time.Hour)); got != tt.want {
				t.Fatalf("decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}
