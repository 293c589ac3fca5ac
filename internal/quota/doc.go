// Package quota measures what objects consume of a ResourceQuota: the
// usage of a whole namespace (Used, for the resource quota controller) and
// the charge of one object being created or updated (Charge, for the API
// server's ResourceQuota admission). Both read the same rules, so what
// admission lets in is what the controller later counts. No I/O: callers
// pass objects and the time.
package quota
