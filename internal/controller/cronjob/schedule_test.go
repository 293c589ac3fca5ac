package cronjob

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/bosun-dev/bosun/internal/registry/batch"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func mustParse(t *testing.T, s string) *batch.Schedule {
	t.Helper()
	sched, err := batch.ParseSchedule(s)
	if err != nil {
		t.Fatal(err)
	}
	return sched
}

func TestMostRecent(t *testing.T) {
	for _, tc := range []struct {
		spec     string
		earliest time.Time
		now      time.Time
		want     time.Time
		missed   int
	}{
		{"*/5 * * * *", t0.Add(-12 * time.Minute), t0, t0, 3},
		{"*/5 * * * *", t0.Add(-12 * time.Minute), t0.Add(-time.Second), t0.Add(-5 * time.Minute), 2},
		{"0 * * * *", t0.Add(-time.Minute), t0.Add(59 * time.Second), t0, 1},
		{"0 * * * *", t0, t0.Add(59 * time.Minute), time.Time{}, 0},
		{"@every 30s", t0, t0.Add(95 * time.Second), t0.Add(90 * time.Second), 3},
	} {
		got, missed := mostRecent(mustParse(t, tc.spec), tc.earliest, tc.now)
		if !got.Equal(tc.want) || missed != tc.missed {
			t.Errorf("mostRecent(%q, %v, %v) = %v, %d; want %v, %d", tc.spec, tc.earliest, tc.now, got, missed, tc.want, tc.missed)
		}
	}
}

func TestEarliestTimeAndDeadline(t *testing.T) {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))}}
	if got := earliestTime(cj, t0); !got.Equal(t0.Add(-time.Hour)) {
		t.Errorf("from creation: %v", got)
	}
	cj.Status.LastScheduleTime = &metav1.Time{Time: t0.Add(-30 * time.Minute)}
	if got := earliestTime(cj, t0); !got.Equal(t0.Add(-30 * time.Minute)) {
		t.Errorf("from last schedule: %v", got)
	}
	cj.Spec.StartingDeadlineSeconds = ptr.To[int64](60)
	if got := earliestTime(cj, t0); !got.Equal(t0.Add(-time.Minute)) {
		t.Errorf("bounded by deadline: %v", got)
	}
	if !tooLate(cj, t0.Add(-61*time.Second), t0) || tooLate(cj, t0.Add(-60*time.Second), t0) {
		t.Error("tooLate must allow exactly startingDeadlineSeconds")
	}
}

func TestJobNameAndRequeue(t *testing.T) {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "hello"}}
	if got := jobName(cj, t0); got != "hello-29454480" {
		t.Errorf("jobName = %s", got)
	}
	d, ok := requeueAfter(mustParse(t, "*/5 * * * *"), t0.Add(90*time.Second))
	if !ok || d != 210*time.Second+nextScheduleDelta {
		t.Errorf("requeueAfter = %v %v", d, ok)
	}
}
