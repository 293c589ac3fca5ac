package proxy

import "testing"

// BenchmarkRender is the Go half of a full sync at the scale,
// 1,000 Services × 10 endpoints; bench/proxy times the nft half.
func BenchmarkRender(b *testing.B) {
	s := bigState(1000, 10)
	b.ReportAllocs()
	for b.Loop() {
		_ = Render(s)
	}
}
