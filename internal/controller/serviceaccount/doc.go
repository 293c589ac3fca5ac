// Package serviceaccount makes sure every active namespace has a "default"
// ServiceAccount, recreating it when it is deleted, as the Kubernetes
// service account controller does. Pods that name no ServiceAccount run as
// "default", so admission needs it to exist.
package serviceaccount
