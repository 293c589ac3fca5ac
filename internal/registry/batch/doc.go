// Package batch holds the defaulting, validation and table rules of the batch
// API group (Job, CronJob), matching kube-apiserver for batch/v1, and the cron
// schedule parser the CronJob rules validate with.
package batch
