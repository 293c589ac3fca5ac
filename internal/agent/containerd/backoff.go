package containerd

import "time"

const (
	minRestartDelay = time.Second
	maxRestartDelay = 30 * time.Second
	// stableAfter is how long containerd must have run for its next crash
	// to count as a fresh failure rather than part of a crash loop.
	stableAfter = time.Minute
)

// restartDelay is how long to wait before restarting a containerd that
// ran for uptime after the previous delay prev (0 on the first crash):
// doubling from 1s up to 30s while it keeps crashing, 1s again once it ran
// stably.
func restartDelay(prev, uptime time.Duration) time.Duration {
	if prev == 0 || uptime >= stableAfter {
		return minRestartDelay
	}
	return min(2*prev, maxRestartDelay)
}
