package cronjob

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
)

// nextScheduleDelta is added to requeues so a sync never lands a hair
// before the scheduled minute and finds nothing due.
const nextScheduleDelta = 100 * time.Millisecond

// tooManyMissed is the count of missed start times past which Kubernetes
// warns that the clock or startingDeadlineSeconds needs attention.
const tooManyMissed = 100

// schedule is what the controller needs of a parsed cron expression.
type schedule interface {
	Next(time.Time) time.Time
}

// mostRecent returns the latest scheduled time in (earliest, now] and how
// many were missed in that window; zero time when none is due.
func mostRecent(s schedule, earliest, now time.Time) (time.Time, int) {
	var last time.Time
	missed := 0
	for t := s.Next(earliest); !t.IsZero() && !t.After(now); t = s.Next(t) {
		last = t
		missed++
	}
	return last, missed
}

// earliestTime is where to start looking for missed schedules: the last
// one started (or the CronJob's creation), but no further back than
// startingDeadlineSeconds, since older ones could not start anyway.
func earliestTime(cj *batchv1.CronJob, now time.Time) time.Time {
	earliest := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if floor := now.Add(-time.Duration(*d) * time.Second); floor.After(earliest) {
			earliest = floor
		}
	}
	return earliest
}

// tooLate says whether a scheduled time is past startingDeadlineSeconds.
func tooLate(cj *batchv1.CronJob, scheduled, now time.Time) bool {
	d := cj.Spec.StartingDeadlineSeconds
	return d != nil && scheduled.Add(time.Duration(*d)*time.Second).Before(now)
}

// jobName is the deterministic name of the job for a scheduled time, so a
// retried create cannot start the same run twice.
func jobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// requeueAfter is how long to wait at now for the next scheduled time.
func requeueAfter(s schedule, now time.Time) (time.Duration, bool) {
	next := s.Next(now)
	if next.IsZero() {
		return 0, false
	}
	return next.Sub(now) + nextScheduleDelta, true
}
