// Command dns benchmarks the cluster DNS server in-process: it serves an
// index of 1,000 Services (from a fake clientset) on a loopback port and
// one client sends service-name queries over UDP as fast as it can, with a
// fixed window of queries in flight, measuring each query's latency.
// `make bench` runs it.
//
// It reports and does not assert: a missed target exits 0, only errors (a
// lost or wrong answer, the server failing) exit non-zero. Figures:
//
//	build    time to build the index of the Services
//	qps      answered queries per second from the one client
//	latency  p50 and p99 from send to answer
//	cpu      process CPU time (server and client) per query
package main
