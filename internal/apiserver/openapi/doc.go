// Package openapi owns the OpenAPI documents of the API server: the swagger
// 2.0 document at /openapi/v2 (JSON or protobuf) and the OpenAPI 3.0 documents
// at /openapi/v3 (a root listing, then one document per group-version).
//
// Built-in kinds are described by reflecting over their Go types in k8s.io/api
// and apimachinery; custom resources by the schema their CRD carries
// (registry.Resource.Schema). Reflected schemas are cached for the life of the
// process and group-version documents are regenerated lazily, only for the
// group-versions whose resources changed.
package openapi
