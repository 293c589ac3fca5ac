// Package networking holds the defaulting, validation and table rules of the networking API group.
package networking

import "github.com/bosun-dev/bosun/internal/registry"

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet { return registry.RulesSet{} }
