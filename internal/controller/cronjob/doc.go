// Package cronjob creates Jobs from CronJobs on their schedule, as the
// Kubernetes cronjob controller does: it honours timeZone,
// startingDeadlineSeconds, concurrencyPolicy and suspend, keeps
// status.active, lastScheduleTime and lastSuccessfulTime, prunes finished
// jobs beyond the history limits, and requeues each CronJob for exactly its
// next scheduled time. Schedules are parsed by the registry's cron parser,
// the same one that validates them.
package cronjob
