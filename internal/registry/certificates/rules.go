// Package certificates holds the defaulting, validation and table rules of the certificates API group.
package certificates

import "github.com/bosun-dev/bosun/internal/registry"

// Rules returns the rules of every kind in the group.
func Rules() registry.RulesSet { return registry.RulesSet{} }
