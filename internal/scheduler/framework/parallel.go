package framework

import (
	"sync"
	"sync/atomic"
)

// parallelize runs work(i) for i in [0,n) on up to workers goroutines,
// handing out indexes in small chunks so uneven nodes balance out.
func parallelize(workers, n int, work func(i int)) {
	if workers <= 1 || n < 32 {
		for i := 0; i < n; i++ {
			work(i)
		}
		return
	}
	const chunk = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= n {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					work(i)
				}
			}
		}()
	}
	wg.Wait()
}
