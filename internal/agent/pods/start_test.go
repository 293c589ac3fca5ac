package pods

import (
	"errors"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestRuntimeMessage(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{status.Error(codes.Unknown, "failed to create containerd task: boom: unknown"), "failed to create containerd task: boom: unknown"},
		{errors.New("dial unix: no such file"), "dial unix: no such file"},
	} {
		if got := runtimeMessage(tc.err); got != tc.want {
			t.Errorf("runtimeMessage(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
