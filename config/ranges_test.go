package config_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/livedict/livedict/config"
)

// rangeCase sets one numeric field of a plaintext persisting
// configuration to a value.
type rangeCase struct {
	path string
	set  func(c *config.Config, v int64)
	// most is the largest value accepted.
	most int64
	// env is the variable that sets the field, if any.
	env string
}

var rangeCases = []rangeCase{
	{"default_ttl", func(c *config.Config, v int64) { c.DefaultTTL = config.Duration(v) }, int64(config.MaxDuration), ""},
	{"max_keys", func(c *config.Config, v int64) { c.MaxKeys = int(v) }, config.MaxCount, "LIVEDICT_MAX_KEYS"},
	{"max_keys", func(c *config.Config, v int64) { c.MaxKeys, c.Policy = int(v), config.PolicyEvict }, config.MaxEvictKeys, ""},
	{"buckets.b.default_ttl", func(c *config.Config, v int64) {
		c.Buckets = map[string]config.Bucket{"b": {DefaultTTL: config.Duration(v)}}
	}, int64(config.MaxDuration), ""},
	{"buckets.b.max_keys", func(c *config.Config, v int64) { c.Buckets = map[string]config.Bucket{"b": {MaxKeys: int(v)}} }, config.MaxCount, "LIVEDICT_BUCKET_B_MAX_KEYS"},
	{"persist.queue_size", func(c *config.Config, v int64) { c.Persist.QueueSize = int(v) }, config.MaxCount, "LIVEDICT_QUEUE_SIZE"},
	{"persist.retries", func(c *config.Config, v int64) { c.Persist.Retries = int(v) }, config.MaxCount, "LIVEDICT_RETRIES"},
	{"persist.flush_interval", func(c *config.Config, v int64) { c.Persist.FlushInterval = config.Duration(v) }, int64(config.MaxDuration), ""},
	{"persist.block_timeout", func(c *config.Config, v int64) { c.Persist.BlockTimeout = config.Duration(v) }, int64(config.MaxDuration), ""},
	{"persist.retry_backoff", func(c *config.Config, v int64) { c.Persist.RetryBackoff = config.Duration(v) }, int64(config.MaxRetryBackoff), ""},
	{"persist.timeout", func(c *config.Config, v int64) { c.Persist.Timeout = config.Duration(v) }, int64(config.MaxDuration), ""},
	{"persist.compression.min_size", func(c *config.Config, v int64) {
		c.Persist.Compression = config.Compression{Algorithm: config.CompressionS2, MinSize: int(v)}
	}, config.MaxCount, ""},
	{"persist.breaker.timeout", func(c *config.Config, v int64) { c.Persist.Breaker = &config.Breaker{Timeout: config.Duration(v)} }, int64(config.MaxDuration), ""},
	{"persist.breaker.failures", func(c *config.Config, v int64) { c.Persist.Breaker = &config.Breaker{Failures: int(v)} }, config.MaxCount, "LIVEDICT_BREAKER_FAILURES"},
	{"persist.breaker.cooldown", func(c *config.Config, v int64) { c.Persist.Breaker = &config.Breaker{Cooldown: config.Duration(v)} }, int64(config.MaxDuration), ""},
}

func plaintextConfig() config.Config {
	return config.Config{Persist: &config.Persist{Backend: "mem://", Encryption: config.Encryption{Plaintext: true}}}
}

// TestValidateRanges sets every numeric field to the largest value it
// accepts, which validates, and to larger ones, up to the largest int64,
// each an error naming the field.
func TestValidateRanges(t *testing.T) {
	for _, rc := range rangeCases {
		t.Run(rc.path, func(t *testing.T) {
			c := plaintextConfig()
			rc.set(&c, rc.most)
			if err := c.Validate(); err != nil {
				t.Errorf("largest value %d: %v", rc.most, err)
			}
			for _, v := range []int64{rc.most + 1, 1 << 62, math.MaxInt64} {
				c := plaintextConfig()
				rc.set(&c, v)
				if got := paths(t, c.Validate()); !slices.Equal(got, []string{rc.path}) {
					t.Errorf("value %d: paths %q, want %q", v, got, rc.path)
				}
			}
		})
	}
}

// TestOpenHugeValues opens stores whose settings used to be accepted and
// then panic or misbehave in livedict.New: a max_keys with policy evict
// that cannot be allocated (makeslice: len out of range), a TTL whose
// deadline overflows (every entry expired at once). Each is now an error
// naming the field, before anything is opened.
func TestOpenHugeValues(t *testing.T) {
	for _, rc := range rangeCases {
		t.Run(rc.path, func(t *testing.T) {
			c := plaintextConfig()
			rc.set(&c, math.MaxInt64)
			s, err := config.Open[string, int](context.Background(), c)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, config.ErrInvalidConfig) {
				t.Fatalf("error %v does not match ErrInvalidConfig", err)
			}
			mustContain(t, err, rc.path)
		})
	}
}

// TestEnvRanges sets the numeric variables to huge values: each is an
// error naming the variable, or a value Validate refuses.
func TestEnvRanges(t *testing.T) {
	for _, rc := range rangeCases {
		if rc.env == "" {
			continue
		}
		t.Run(rc.env, func(t *testing.T) {
			_, err := config.FromEnv([]string{rc.env + "=99999999999999999999999"})
			mustContain(t, err, rc.env+": want an integer")
			c := plaintextConfig()
			if err := config.ApplyEnv(&c, []string{rc.env + "=" + strconv.FormatInt(math.MaxInt64, 10)}); err != nil {
				t.Fatal(err)
			}
			mustContain(t, c.Validate(), rc.path, "must be at most")
		})
	}
}
