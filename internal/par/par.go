// Package par runs one function on several goroutines at once, the
// caller's among them, and raises a panic of any of them again in the
// caller, as if the work had not been split.
package par

import "sync"

// Do calls fn(0), …, fn(n-1) concurrently, fn(n-1) on the caller's
// goroutine, and returns once every call has returned. If any call
// panicked, Do then panics with the value of the lowest-numbered one.
// With n < 1 it calls nothing.
func Do(n int, fn func(i int)) {
	if n < 1 {
		return
	}
	if n == 1 {
		fn(0)
		return
	}
	panics := make([]any, n)
	run := func(i int) {
		defer func() {
			if r := recover(); r != nil {
				panics[i] = r
			}
		}()
		fn(i)
	}
	var wg sync.WaitGroup
	for i := range n - 1 {
		wg.Go(func() { run(i) })
	}
	run(n - 1)
	wg.Wait()
	for _, r := range panics {
		if r != nil {
			panic(r)
		}
	}
}
