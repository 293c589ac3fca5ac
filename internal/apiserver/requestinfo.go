package apiserver

import (
	"net/http"
	"strings"
)

// requestInfo is what a REST path and method say about the request.
type requestInfo struct {
	// IsResource is false for non-resource paths (/healthz, /version, discovery).
	IsResource  bool
	Verb        string // get, list, watch, create, update, patch, delete, deletecollection
	Group       string
	Version     string
	Namespace   string
	Resource    string
	Name        string
	Subresource string
	// Parts are the path segments after the group version.
	Parts []string
}

// parseRequestInfo splits /api/v1/namespaces/ns/pods/name/status and
// /apis/apps/v1/... the way kube-apiserver does, including the deprecated
// /watch/ prefix form.
func parseRequestInfo(r *http.Request) requestInfo {
	info := requestInfo{}
	parts := splitPath(r.URL.Path)
	if len(parts) < 1 {
		return info
	}
	switch parts[0] {
	case "api":
		if len(parts) < 2 {
			return info
		}
		info.Version = parts[1]
		parts = parts[2:]
	case "apis":
		if len(parts) < 3 {
			return info
		}
		info.Group, info.Version = parts[1], parts[2]
		parts = parts[3:]
	default:
		return info
	}
	if len(parts) == 0 {
		return info
	}
	info.IsResource = true
	watchPath := false
	if parts[0] == "watch" {
		watchPath = true
		parts = parts[1:]
	}
	// namespaces/{ns}/{resource}... ; but "namespaces/{name}" and
	// "namespaces/{name}/{finalize|status}" address the namespace itself.
	if len(parts) >= 3 && parts[0] == "namespaces" && parts[2] != "finalize" && parts[2] != "status" {
		info.Namespace = parts[1]
		parts = parts[2:]
	}
	info.Parts = parts
	if len(parts) > 0 {
		info.Resource = parts[0]
	}
	if len(parts) > 1 {
		info.Name = parts[1]
	}
	if len(parts) > 2 {
		info.Subresource = parts[2]
	}
	q := r.URL.Query()
	isWatch := watchPath || q.Get("watch") == "true" || q.Get("watch") == "1"
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		switch {
		case info.Name == "" && isWatch:
			info.Verb = "watch"
		case info.Name == "":
			info.Verb = "list"
		default:
			info.Verb = "get"
		}
	case http.MethodPost:
		info.Verb = "create"
	case http.MethodPut:
		info.Verb = "update"
	case http.MethodPatch:
		info.Verb = "patch"
	case http.MethodDelete:
		if info.Name == "" {
			info.Verb = "deletecollection"
		} else {
			info.Verb = "delete"
		}
	default:
		info.Verb = strings.ToLower(r.Method)
	}
	return info
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
