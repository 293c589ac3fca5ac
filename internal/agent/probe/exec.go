package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Exec runs cmd in the container through the runtime's ExecSync; exit 0 is
// success, and the output (stdout then stderr) is the message either way.
func Exec(ctx context.Context, rt runtimeapi.RuntimeServiceClient, containerID string, cmd []string, timeout time.Duration) (Result, string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Second)
	defer cancel()
	resp, err := rt.ExecSync(ctx, &runtimeapi.ExecSyncRequest{
		ContainerId: containerID,
		Cmd:         cmd,
		Timeout:     int64(timeout / time.Second),
	})
	if err != nil {
		if status.Code(err) == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
			return Failure, fmt.Sprintf("command %q timed out", strings.Join(cmd, " ")), nil
		}
		return Unknown, "", err
	}
	out := truncate(append(append([]byte{}, resp.Stdout...), resp.Stderr...))
	if resp.ExitCode != 0 {
		return Failure, out, nil
	}
	return Success, out, nil
}
