package redis

import (
	"fmt"
	"runtime"
)

// recovered runs fn and turns a panic inside it into an error matching
// ErrBadReply. go-redis panics on some replies it cannot handle (a bulk
// length past what make accepts is one), and a Store method must return an
// error instead of taking the process down. The error names the operation
// and, for a runtime error, what failed; it never quotes the panic value
// otherwise, which might hold reply bytes.
func recovered(op string, fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			what := "panic"
			if re, ok := v.(runtime.Error); ok {
				what = "panic: " + re.Error()
			}
			err = fmt.Errorf("store/redis: %s: %w: go-redis %s", op, ErrBadReply, what)
		}
	}()
	return fn()
}
