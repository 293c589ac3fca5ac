package framework

import "testing"

func TestFitErrorWithoutNodes(t *testing.T) {
	if got := (&FitError{Statuses: map[string]*Status{}}).Error(); got != "no nodes available to schedule pods" {
		t.Fatalf("message = %q", got)
	}
}
