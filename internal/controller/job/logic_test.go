package job

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestBackoffDelay(t *testing.T) {
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{{0, 0}, {1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {6, 320 * time.Second}, {7, 6 * time.Minute}, {50, 6 * time.Minute}} {
		if got := backoffDelay(tc.failures, DefaultBackoffBase, DefaultBackoffMax); got != tc.want {
			t.Errorf("backoffDelay(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestRemainingBackoffCountsSinceLastSuccess(t *testing.T) {
	at := func(phase corev1.PodPhase, d time.Duration) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{{
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{FinishedAt: metav1.NewTime(t0.Add(d))}}}}}}
	}
	pods := []*corev1.Pod{at(corev1.PodFailed, -50*time.Second), at(corev1.PodSucceeded, -40*time.Second),
		at(corev1.PodFailed, -30*time.Second), at(corev1.PodFailed, -5*time.Second)}
	// Two failures after the success: 20 s from the last one, 15 s left.
	if got := remainingBackoff(pods, t0, DefaultBackoffBase, DefaultBackoffMax); got != 15*time.Second {
		t.Fatalf("remaining = %v", got)
	}
}

func TestIndexSets(t *testing.T) {
	for _, s := range []string{"", "0", "1,3-5,7", "0-9"} {
		if got := formatIndexes(parseIndexes(s)); got != s {
			t.Errorf("round trip %q = %q", s, got)
		}
	}
	if got := formatIndexes(map[int]bool{4: true, 2: true, 3: true, 9: true}); got != "2-4,9" {
		t.Errorf("format = %q", got)
	}
}

func onlyFailed(j *batchv1.Job) *batchv1.Job {
	j.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
	return j
}

func TestPlan(t *testing.T) {
	job := func(completions *int32, par, succeeded int32) *batchv1.Job {
		j := newJob("j", 0, par)
		j.Spec.Completions = completions
		j.Status.Succeeded = succeeded
		return j
	}
	pods := func(n int) []*corev1.Pod {
		var out []*corev1.Pod
		for i := 0; i < n; i++ {
			out = append(out, &corev1.Pod{})
		}
		return out
	}
	for _, tc := range []struct {
		name           string
		job            *batchv1.Job
		active, dying  int
		create, remove int
	}{
		{"fresh", job(ptr.To[int32](5), 2, 0), 0, 0, 2, 0},
		{"last completions", job(ptr.To[int32](5), 3, 4), 0, 0, 1, 0},
		{"scale down", job(ptr.To[int32](5), 1, 0), 3, 0, 0, 2},
		{"work queue fresh", job(nil, 3, 0), 1, 0, 2, 0},
		{"work queue draining", job(nil, 3, 1), 2, 0, 0, 0},
		{"done", job(ptr.To[int32](2), 2, 2), 1, 0, 0, 1},
		{"terminating replaced at once", job(ptr.To[int32](5), 2, 0), 1, 1, 1, 0},
		{"terminating waited for", onlyFailed(job(ptr.To[int32](5), 2, 0)), 1, 1, 0, 0},
	} {
		p := plan(tc.job, pods(tc.active), pods(tc.dying))
		if p.create != tc.create || len(p.remove) != tc.remove {
			t.Errorf("%s: plan = create %d remove %d, want %d %d", tc.name, p.create, len(p.remove), tc.create, tc.remove)
		}
	}
}

func TestMatchSuccessPolicy(t *testing.T) {
	rule := func(indexes *string, count *int32) batchv1.SuccessPolicyRule {
		return batchv1.SuccessPolicyRule{SucceededIndexes: indexes, SucceededCount: count}
	}
	for _, tc := range []struct {
		name  string
		rules []batchv1.SuccessPolicyRule
		done  string
		want  string
	}{
		{"indexes all done", []batchv1.SuccessPolicyRule{rule(ptr.To("0-2"), nil)}, "0-2,5", "Matched rules at index 0"},
		{"indexes missing one", []batchv1.SuccessPolicyRule{rule(ptr.To("0-2"), nil)}, "0,2", ""},
		{"count within indexes", []batchv1.SuccessPolicyRule{rule(ptr.To("0-2"), ptr.To[int32](2))}, "0,2", "Matched rules at index 0"},
		{"count only", []batchv1.SuccessPolicyRule{rule(ptr.To("7"), nil), rule(nil, ptr.To[int32](3))}, "1,4,6", "Matched rules at index 1"},
		{"nothing done", []batchv1.SuccessPolicyRule{rule(nil, ptr.To[int32](1))}, "", ""},
	} {
		j := newJob("j", 10, 10)
		j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: tc.rules}
		j.Status.CompletedIndexes = tc.done
		if got, _ := matchSuccessPolicy(j); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
