// Package crd owns CustomResourceDefinitions: the rules for the
// CustomResourceDefinition kind itself (defaulting and the validation
// Kubernetes applies, including structural-schema checks and CEL rule
// compilation), the registry.Resources a CRD turns into (one per served
// version, with pruning, defaulting, OpenAPI and CEL validation, printer
// columns and apiVersion conversion) and the controller that accepts names,
// installs the resources into the API server and cleans up on deletion.
//
// Custom resources are stored under the etcd key segment "<group>/<plural>"
// (registry.Resource.StoragePrefix), the same shape built-ins use, always in
// the CRD's storage version.
package crd
