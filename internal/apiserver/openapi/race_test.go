//go:build race

package openapi

// raceEnabled relaxes timing checks, which the race detector makes meaningless.
const raceEnabled = true
