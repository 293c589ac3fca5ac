// Package events holds the rules of the events.k8s.io API group. Its Event
// is a second view of the core/v1 Event, stored as one: ToCore and FromCore
// convert between the two the way Kubernetes does, and the validation, table
// and selectable fields work on the core form so both APIs share them.
package events
