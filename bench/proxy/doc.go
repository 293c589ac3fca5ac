// Command proxy measures the service proxy (issue 6) at 1,000 Services of
// 10 endpoints each, in a network namespace it creates and removes itself,
// and prints each figure beside its target:
//
//   - rendering the whole table (pure Go, no kernel);
//   - one full replace of the table through nft, the first sync of a node;
//   - one endpoint change, from the EndpointSlice update reaching the
//     Proxier's informer to nft returning with the change in the kernel
//     (a fake clientset feeds the informers, so no API server is timed).
//
// Timings are wall-clock on a possibly shared machine, so the CPU nft used
// is printed beside them. It needs root; run it with `make bench`.
package main
