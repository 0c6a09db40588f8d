package config_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
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
	// Without LIVEDICT_KEYS naming it, the same variable is unknown: a
	// warning, since it is near no setting. LIVEDICT_KEY_X is near
	// LIVEDICT_KEY_<digits>: an error.
	var warned []string
	err := config.ApplyEnvOptions(&config.Config{}, []string{"LIVEDICT_ORDERS_KEY=d", "LIVEDICT_KEY_X=f"},
		config.EnvOptions{Warn: func(f config.FieldError) { warned = append(warned, f.Path) }})
	if got := paths(t, err); !slices.Equal(got, []string{"LIVEDICT_KEY_X"}) {
		t.Errorf("paths = %q", got)
	}
	if !slices.Equal(warned, []string{"LIVEDICT_ORDERS_KEY"}) {
		t.Errorf("warned about %q", warned)
	}
}

// TestApplyEnvNearMisses checks that a variable that is a near miss of a
// setting is an error that names the setting.
func TestApplyEnvNearMisses(t *testing.T) {
	for name, want := range map[string]string{
		"LIVEDICT_MAX_KEY":            "LIVEDICT_MAX_KEYS",
		"LIVEDICT_max_keys":           "LIVEDICT_MAX_KEYS",
		"LIVEDICT_SHARD":              "LIVEDICT_SHARDS",
		"LIVEDICT_DEFALT_TTL":         "LIVEDICT_DEFAULT_TTL",
		"LIVEDICT_DEFAULT_TLT":        "LIVEDICT_DEFAULT_TTL",
		"LIVEDICT_BACKNED":            "LIVEDICT_BACKEND",
		"LIVEDICT_PERSIST_TIMEOUTS":   "LIVEDICT_PERSIST_TIMEOUT",
		"LIVEDICT_STRICT_EVN":         "LIVEDICT_STRICT_ENV",
		"LIVEDICT_CONFG":              "LIVEDICT_CONFIG",
		"LIVEDICT_NAME_KEYS":          "LIVEDICT_NAME_KEY",
		"LIVEDICT_KEY_PRIMARY":        "LIVEDICT_KEY_<digits>",
		"LIVEDICT_BUCKETS_S_MAX_KEYS": "LIVEDICT_BUCKET_<NAME>_DEFAULT_TTL",
		"LIVEDICT_bucket_s_max_keys":  "LIVEDICT_BUCKET_<NAME>_DEFAULT_TTL",
	} {
		t.Run(name, func(t *testing.T) {
			err := config.ApplyEnvOptions(&config.Config{}, []string{name + "=5"}, config.EnvOptions{Warn: func(f config.FieldError) {
				t.Errorf("warned %v, want an error", f)
			}})
			if got := paths(t, err); !slices.Equal(got, []string{name}) {
				t.Errorf("paths = %q", got)
			}
			mustContain(t, err, "did you mean "+want)
		})
	}
}

// farNames are LIVEDICT_ variables that are nowhere near a setting, as
// containers and tools set them: among them those Kubernetes sets for a
// Service named livedict.
var farNames = []string{
	"LIVEDICT_CLI", "LIVEDICT_CLI_TEST_CHILD", "LIVEDICT_VERSION", "LIVEDICT_ORDERS_KEY", "LIVEDICT_",
	"LIVEDICT_SERVICE_HOST", "LIVEDICT_SERVICE_PORT", "LIVEDICT_SERVICE_PORT_HTTP", "LIVEDICT_PORT",
	"LIVEDICT_PORT_6379_TCP", "LIVEDICT_PORT_6379_TCP_PROTO", "LIVEDICT_PORT_6379_TCP_PORT", "LIVEDICT_PORT_6379_TCP_ADDR",
	"LIVEDICT_HOME", "LIVEDICT_ENV", "LIVEDICT_DEBUG", "LIVEDICT_LOG_LEVEL", "LIVEDICT_IMAGE_TAG",
}

// TestApplyEnvFarNames checks that unknown variables nowhere near a
// setting do not stop the configuration: each is a warning, and the
// settings beside them apply. Strict (or LIVEDICT_STRICT_ENV=true) makes
// them errors.
func TestApplyEnvFarNames(t *testing.T) {
	environ := []string{"LIVEDICT_MAX_KEYS=5"}
	for _, n := range farNames {
		environ = append(environ, n+"=1")
	}
	var warned []string
	warn := func(f config.FieldError) {
		warned = append(warned, f.Path)
		if !strings.Contains(f.Error(), "unknown variable, ignored") || !strings.Contains(f.Msg, config.StrictEnvVar+"=true") {
			t.Errorf("warning %q", f.Error())
		}
	}
	var c config.Config
	if err := config.ApplyEnvOptions(&c, environ, config.EnvOptions{Warn: warn}); err != nil {
		t.Fatal(err)
	}
	if c.MaxKeys != 5 {
		t.Errorf("MaxKeys = %d, want 5", c.MaxKeys)
	}
	if !slices.Equal(warned, farNames) {
		t.Errorf("warned about %q, want %q", warned, farNames)
	}

	for name, o := range map[string]struct {
		opts  config.EnvOptions
		extra string
	}{
		"Strict":              {opts: config.EnvOptions{Strict: true}},
		"LIVEDICT_STRICT_ENV": {extra: config.StrictEnvVar + "=true"},
	} {
		t.Run(name, func(t *testing.T) {
			o.opts.Warn = func(f config.FieldError) { t.Errorf("warned %v, want an error", f) }
			c := config.Config{}
			err := config.ApplyEnvOptions(&c, append(slices.Clone(environ), o.extra), o.opts)
			if got := paths(t, err); !slices.Equal(got, farNames) {
				t.Errorf("paths = %q, want %q", got, farNames)
			}
			if c.MaxKeys != 0 {
				t.Errorf("ApplyEnv changed the config despite errors")
			}
		})
	}
	// LIVEDICT_STRICT_ENV=false turns Strict off again; a bad value is an
	// error.
	if err := config.ApplyEnvOptions(&config.Config{}, []string{"LIVEDICT_CLI=1", config.StrictEnvVar + "=false"},
		config.EnvOptions{Strict: true, Warn: func(config.FieldError) {}}); err != nil {
		t.Errorf("%s=false: %v", config.StrictEnvVar, err)
	}
	_, err := config.FromEnv([]string{config.StrictEnvVar + "=maybe"})
	mustContain(t, err, config.StrictEnvVar+`: want true or false, got "maybe"`)
}

// TestApplyEnvWarnsThroughSlog checks the default of EnvOptions.Warn.
func TestApplyEnvWarnsThroughSlog(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	if _, err := config.FromEnv([]string{"LIVEDICT_CLI=1"}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "variable=LIVEDICT_CLI") {
		t.Errorf("slog got %q", got)
	}
}

// TestApplyEnvManyUnknown checks that a flood of unknown variables gives
// a bounded number of warnings, the last one counting the rest.
func TestApplyEnvManyUnknown(t *testing.T) {
	var environ []string
	for i := range 1000 {
		environ = append(environ, fmt.Sprintf("LIVEDICT_TOOL_%d_SETTING=1", i))
	}
	var warned []config.FieldError
	if err := config.ApplyEnvOptions(&config.Config{}, environ, config.EnvOptions{
		Warn: func(f config.FieldError) { warned = append(warned, f) },
	}); err != nil {
		t.Fatal(err)
	}
	if len(warned) != config.MaxFieldErrors+1 {
		t.Fatalf("%d warnings, want %d", len(warned), config.MaxFieldErrors+1)
	}
	want := fmt.Sprintf("config: LIVEDICT_*: %d more unknown variables, ignored", 1000-config.MaxFieldErrors)
	if got := warned[len(warned)-1].Error(); got != want {
		t.Errorf("last warning %q, want %q", got, want)
	}
}

// TestApplyEnvLongNames checks that an unknown variable's name is cut in
// errors and warnings: it may be pasted data.
func TestApplyEnvLongNames(t *testing.T) {
	long := "LIVEDICT_" + strings.Repeat("AB", 100)
	var warned []config.FieldError
	if err := config.ApplyEnvOptions(&config.Config{}, []string{long + "=1"}, config.EnvOptions{
		Warn: func(f config.FieldError) { warned = append(warned, f) },
	}); err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || len(warned[0].Path) > 50 || !strings.HasSuffix(warned[0].Path, "…") {
		t.Errorf("warned %q", warned)
	}
}

// BenchmarkFromEnv reads environments of n bucket variables (n/3 buckets
// of three fields): the time per variable stays the same as n grows.
// FromEnv used to look for each bucket among all the others, so that
// 100,000 variables took more than 13 s.
func BenchmarkFromEnv(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		environ := make([]string, 0, n)
		for i := range n {
			switch i % 3 {
			case 0:
				environ = append(environ, fmt.Sprintf("LIVEDICT_BUCKET_B%d_MAX_KEYS=%d", i/3, i))
			case 1:
				environ = append(environ, fmt.Sprintf("LIVEDICT_BUCKET_B%d_DEFAULT_TTL=1m", i/3))
			case 2:
				environ = append(environ, fmt.Sprintf("LIVEDICT_BUCKET_B%d_PERSISTENCE=none", i/3))
			}
		}
		b.Run(fmt.Sprintf("vars=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := config.FromEnv(environ); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/var")
		})
	}
}

func TestApplyEnvNil(t *testing.T) {
	if err := config.ApplyEnv(nil, nil); !errors.Is(err, config.ErrInvalidConfig) {
		t.Errorf("ApplyEnv(nil) = %v", err)
	}
}

// TestLongBucketNames checks that a bucket's name is cut in paths, in
// errors of the environment and of Validate alike.
func TestLongBucketNames(t *testing.T) {
	long := strings.Repeat("B", 100000)
	_, err := config.FromEnv([]string{"LIVEDICT_BUCKET_" + long + "_MAX_KEYS=x", "LIVEDICT_BUCKET_" + long + "_TTL=1"})
	if err == nil || len(err.Error()) > 600 {
		t.Fatalf("error of %d bytes", len(fmt.Sprint(err)))
	}
	for _, name := range []string{strings.ToLower(long), "a.b" + long} {
		c := config.Config{Buckets: map[string]config.Bucket{name: {MaxKeys: -1, Persistence: "x"}}}
		if err := c.Validate(); err == nil || len(err.Error()) > 600 {
			t.Fatalf("error of %d bytes", len(fmt.Sprint(err)))
		}
	}
}
