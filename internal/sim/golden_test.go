package sim

import (
	"regexp"
	"testing"

	"sigs.k8s.io/yaml"
)

// hashes stand for content-derived IDs in golden text, which are
// checked for shape, not value.
var hashes = regexp.MustCompile(`sim://[0-9a-f]{64}|sha256:[0-9a-f]{64}`)

func golden(t *testing.T, v any, want string) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got := hashes.ReplaceAllStringFunc(string(b), func(s string) string {
		if s[:3] == "sim" {
			return "sim://ID"
		}
		return "sha256:IMG"
	})
	want = hashes.ReplaceAllStringFunc(want, func(s string) string {
		if s[:3] == "sim" {
			return "sim://ID"
		}
		return "sha256:IMG"
	})
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}
