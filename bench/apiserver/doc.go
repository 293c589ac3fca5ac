// Command apiserver benchmarks the Bosun API server from the outside: it
// starts `bosun server` as a child process on a fresh data dir, drives it
// through client-go like a real client would, and prints one line per figure
// with its target and PASS or MISS. `make bench` runs it.
//
// It reports and does not assert: a missed target exits 0, only errors (the
// server failing to start, a request failing) exit non-zero. Figures:
//
//	coldstart  exec to the first 200 from /readyz on an empty data dir
//	create     ConfigMap creates from 32 concurrent clients: rate, p50, p99
//	get        ConfigMap gets by name: p50, p99
//	list       listing 10,000 stored pods, protobuf and JSON
//	rss        server resident memory with those pods stored
//	watch      delay from a create to the ADDED event at 500 watchers
package main
