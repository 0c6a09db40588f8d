package redis

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"
)

// intParams are the integer parameters go-redis's URL parsers read, with
// the range this package lets through. go-redis checks none of them: a
// pool_size of 2^40 made it allocate its pool up front and panic.
var intParams = map[string][2]int64{
	"db":                         {0, MaxDB},
	"protocol":                   {0, 3},
	"max_retries":                {-1, 1000},
	"max_redirects":              {-1, 1000},
	"dialer_retries":             {0, 1000},
	"pool_size":                  {0, MaxPoolSize},
	"min_idle_conns":             {0, MaxPoolSize},
	"max_idle_conns":             {0, MaxPoolSize},
	"max_active_conns":           {0, MaxPoolSize},
	"max_concurrent_dials":       {0, MaxPoolSize},
	"pipeline_pool_size":         {-1, MaxPoolSize},
	"pipeline_read_buffer_size":  {0, 64 << 20},
	"pipeline_write_buffer_size": {0, 64 << 20},
	"failing_timeout_seconds":    {0, 366 * 24 * 3600},
}

// durationParams are go-redis's duration parameters. A plain integer is a
// number of seconds to go-redis, which multiplies it by time.Second
// without checking for overflow.
var durationParams = map[string]bool{
	"min_retry_backoff": true, "max_retry_backoff": true, "dial_timeout": true,
	"read_timeout": true, "write_timeout": true, "pool_timeout": true,
	"conn_max_idle_time": true, "idle_timeout": true, "conn_max_lifetime": true,
	"max_conn_age": true, "conn_max_lifetime_jitter": true,
	"route_by_latency_tolerance": true, "dialer_retry_timeout": true,
}

// maxSeconds is the largest whole number of seconds a time.Duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// checkNumericParams checks every numeric go-redis parameter in q against
// its range, naming the first one out of it.
func checkNumericParams(q url.Values) error {
	for name, vs := range q {
		for _, v := range vs {
			if r, ok := intParams[name]; ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < r[0] || n > r[1] {
					return fmt.Errorf("%s=%q: want an integer from %d to %d", name, quoteShort(v), r[0], r[1])
				}
			}
			if durationParams[name] {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil {
					if n > maxSeconds {
						return fmt.Errorf("%s=%q: at most %d seconds", name, quoteShort(v), maxSeconds)
					}
				} else if _, err := time.ParseDuration(v); err != nil {
					return fmt.Errorf("%s=%q: want a duration such as 500ms or a number of seconds", name, quoteShort(v))
				}
			}
		}
	}
	return nil
}

// quoteShort returns at most the first 24 bytes of a parameter value.
func quoteShort(v string) string {
	if len(v) > 24 {
		return v[:24] + "..."
	}
	return v
}
