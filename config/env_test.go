package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/config"
)

// fullEnv is fullConfig written as environment variables.
var fullEnv = []string{
	"LIVEDICT_DEFAULT_TTL=5m",
	"LIVEDICT_SHARDS=32",
	"LIVEDICT_MAX_KEYS=1000",
	"LIVEDICT_POLICY=evict",
	"LIVEDICT_REQUIRE_BUCKET=true",
	"LIVEDICT_READ_STATS=1",
	"LIVEDICT_NAME=orders",
	"LIVEDICT_BUCKET_SESSIONS_DEFAULT_TTL=30m",
	"LIVEDICT_BUCKET_SESSIONS_MAX_KEYS=20",
	"LIVEDICT_BUCKET_SESSIONS_PERSISTENCE=write-through",
	"LIVEDICT_BUCKET_LOCAL_DEFAULT_TTL=never",
	"LIVEDICT_BUCKET_LOCAL_PERSISTENCE=none",
	"LIVEDICT_BACKEND=mem://",
	"LIVEDICT_KEYS=1=env:LIVEDICT_KEY, 2=file:/run/secrets/key2",
	"LIVEDICT_PRIMARY_KEY=2",
	"LIVEDICT_ENCRYPTION_ALGORITHM=xchacha20-poly1305",
	"LIVEDICT_NAME_KEY_SOURCE=file:/run/secrets/name",
	"LIVEDICT_COMPRESSION=zstd",
	"LIVEDICT_COMPRESSION_MIN_SIZE=512",
	"LIVEDICT_CODEC=json",
	"LIVEDICT_PERSIST_MODE=write-behind",
	"LIVEDICT_QUEUE_SIZE=128",
	"LIVEDICT_FLUSH_INTERVAL=250ms",
	"LIVEDICT_WHEN_FULL=drop",
	"LIVEDICT_BLOCK_TIMEOUT=2s",
	"LIVEDICT_RETRIES=3",
	"LIVEDICT_RETRY_BACKOFF=50ms",
	"LIVEDICT_PERSIST_TIMEOUT=3s",
	"LIVEDICT_BREAKER_TIMEOUT=1s",
	"LIVEDICT_BREAKER_FAILURES=7",
	"LIVEDICT_BREAKER_COOLDOWN=10s",
	// Not configuration: skipped.
	"HOME=/root",
	"LIVEDICT_KEY=00112233",
}

func TestFromEnvSetsEveryField(t *testing.T) {
	c, err := config.FromEnv(fullEnv)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(fullConfig(), c); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
}

func TestFromEnvEmpty(t *testing.T) {
	c, err := config.FromEnv([]string{"PATH=/bin", "LIVEDICT_MAX_KEYS=", "LIVEDICT_BUCKET_X_MAX_KEYS=  "})
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(config.Config{}, c); d != "" {
		t.Errorf("empty values set fields (-want +got):\n%s", d)
	}
}

func TestApplyEnvOverridesAPreset(t *testing.T) {
	c, err := config.Preset(config.PresetBucketed)
	if err != nil {
		t.Fatal(err)
	}
	c.Buckets["Orders"] = config.Bucket{MaxKeys: 1}
	err = config.ApplyEnv(&c, []string{
		"LIVEDICT_DEFAULT_TTL=1m",
		"LIVEDICT_BUCKET_SESSIONS_MAX_KEYS=50",
		"LIVEDICT_BUCKET_ORDERS_MAX_KEYS=2", // matches "Orders", the one bucket of that name in any case
		"LIVEDICT_BUCKET_NEW_ONE_DEFAULT_TTL=1h",
		"LIVEDICT_MAX_KEYS=10",
		"LIVEDICT_MAX_KEYS=20", // the last one wins, as in a shell
	})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := config.Preset(config.PresetBucketed)
	want.DefaultTTL = d(time.Minute)
	want.MaxKeys = 20
	want.Buckets["sessions"] = config.Bucket{DefaultTTL: d(30 * time.Minute), MaxKeys: 50}
	want.Buckets["Orders"] = config.Bucket{MaxKeys: 2}
	want.Buckets["new_one"] = config.Bucket{DefaultTTL: d(time.Hour)}
	if d := diff(want, c); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
}

func TestApplyEnvErrors(t *testing.T) {
	const secret = "6f6e6c7920746865206b6579"
	environ := []string{
		"LIVEDICT_MAX_KEYS=lots",
		"LIVEDICT_MAX_KEY=5",
		"LIVEDICT_READ_STATS=sometimes",
		"LIVEDICT_FLUSH_INTERVAL=5",
		"LIVEDICT_PRIMARY_KEY=0",
		"LIVEDICT_KEYS=1=env:A," + secret,
		"LIVEDICT_NAME_KEY_SOURCE=" + secret,
		"LIVEDICT_BUCKET_X_TTL=1m",
		"LIVEDICT_BUCKET__MAX_KEYS=1",
		"LIVEDICT_KEYY=" + secret,
	}
	want := []string{
		"LIVEDICT_MAX_KEYS", "LIVEDICT_READ_STATS", "LIVEDICT_FLUSH_INTERVAL", "LIVEDICT_PRIMARY_KEY",
		"LIVEDICT_KEYS", "LIVEDICT_NAME_KEY_SOURCE", "LIVEDICT_BUCKET_X_TTL", "LIVEDICT_BUCKET__MAX_KEYS",
		"LIVEDICT_MAX_KEY", "LIVEDICT_KEYY",
	}
	c := fullConfig()
	before := fullConfig()
	err := config.ApplyEnv(&c, environ)
	if got := paths(t, err); !slices.Equal(got, want) {
		t.Errorf("paths = %q\nwant    %q", got, want)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error quotes a possible secret:\n%s", err)
	}
	mustContain(t, err,
		`LIVEDICT_MAX_KEYS: want an integer, got "lots"`,
		"LIVEDICT_MAX_KEY: unknown variable",
		"LIVEDICT_KEYS: entry 2: want ID=env:VARIABLE",
		"LIVEDICT_BUCKET_X_TTL: want LIVEDICT_BUCKET_<NAME>_DEFAULT_TTL, _MAX_KEYS or _PERSISTENCE",
	)
	if d := diff(before, c); d != "" {
		t.Errorf("ApplyEnv changed the config despite errors (-want +got):\n%s", d)
	}
}

// TestApplyEnvSkipsKeyVariables checks that the variables holding key
// material are never mistaken for misspelt configuration.
func TestApplyEnvSkipsKeyVariables(t *testing.T) {
	environ := []string{
		"LIVEDICT_KEY=a", "LIVEDICT_KEY_2=b", "LIVEDICT_NAME_KEY=c",
		"LIVEDICT_KEYS=1=env:LIVEDICT_ORDERS_KEY,2=env:LIVEDICT_KEY_2",
		"LIVEDICT_PRIMARY_KEY=1",
		"LIVEDICT_ORDERS_KEY=d",
		"LIVEDICT_NAME_KEY_SOURCE=env:LIVEDICT_ORDERS_NAME_KEY",
		"LIVEDICT_ORDERS_NAME_KEY=e",
	}
	if _, err := config.FromEnv(environ); err != nil {
		t.Fatal(err)
	}
	// Without LIVEDICT_KEYS naming it, the same variable is an error.
	_, err := config.FromEnv([]string{"LIVEDICT_ORDERS_KEY=d", "LIVEDICT_KEY_X=f"})
	if got := paths(t, err); !slices.Equal(got, []string{"LIVEDICT_ORDERS_KEY", "LIVEDICT_KEY_X"}) {
		t.Errorf("paths = %q", got)
	}
}

func TestApplyEnvNil(t *testing.T) {
	if err := config.ApplyEnv(nil, nil); !errors.Is(err, config.ErrInvalidConfig) {
		t.Errorf("ApplyEnv(nil) = %v", err)
	}
}
