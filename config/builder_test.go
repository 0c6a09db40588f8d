package config_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/livedict/livedict/config"
)

func TestBuilderSetsEveryField(t *testing.T) {
	c, err := config.New().
		DefaultTTL(5*time.Minute).
		Shards(32).
		MaxKeys(1e3).
		Evict().
		RequireBucket().
		ReadStats().
		Name("orders").
		Bucket("sessions", config.Bucket{DefaultTTL: d(30 * time.Minute), MaxKeys: 20, Persistence: "write-through"}).
		Bucket("local", config.Bucket{DefaultTTL: config.Never, Persistence: "none"}).
		Backend("mem://").
		KeyFromEnv(1, "LIVEDICT_KEY").
		KeyFromFile(2, "/run/secrets/key2").
		PrimaryKey(2).
		EncryptionAlgorithm("xchacha20-poly1305").
		NameKeyFromFile("/run/secrets/name").
		Compression("zstd", 512).
		Codec("json").
		WriteBehind().
		QueueSize(128).
		FlushInterval(250*time.Millisecond).
		BlockWhenFull(2*time.Second).
		DropWhenFull().
		Retries(3, 50*time.Millisecond).
		PersistTimeout(3 * time.Second).
		Breaker(config.Breaker{Timeout: d(time.Second), Failures: 7, Cooldown: d(10 * time.Second)}).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(fullConfig(), c); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
}

func TestBuilderSmallSetters(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    *config.Builder
		want func(c *config.Config)
	}{
		{"reject", config.New().Evict().Reject(), func(c *config.Config) { c.Policy = "reject" }},
		{"write-through plaintext", config.New().Backend("mem://").Plaintext().WriteThrough(), func(c *config.Config) {
			c.Persist = &config.Persist{Backend: "mem://", Mode: "write-through", Encryption: config.Encryption{Plaintext: true}}
		}},
		{"persist none", config.New().Backend("mem://").Plaintext().PersistNone(), func(c *config.Config) {
			c.Persist = &config.Persist{Backend: "mem://", Mode: "none", Encryption: config.Encryption{Plaintext: true}}
		}},
		{"name key from env", config.New().Backend("mem://").KeyFromEnv(1, "K").NameKeyFromEnv("N"), func(c *config.Config) {
			c.Persist = &config.Persist{Backend: "mem://", Encryption: config.Encryption{
				Keys: []config.KeyRef{{ID: 1, Env: "K"}}, NameKey: config.KeySource{Env: "N"},
			}}
		}},
		{"preset then change", config.New().Preset(config.PresetSimple).MaxKeys(5), func(c *config.Config) {
			*c, _ = config.Preset(config.PresetSimple)
			c.MaxKeys = 5
		}},
		{"from", config.From(config.Config{Shards: 4}).MaxKeys(5), func(c *config.Config) {
			c.Shards, c.MaxKeys = 4, 5
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.b.Build()
			if err != nil {
				t.Fatal(err)
			}
			var want config.Config
			tc.want(&want)
			if d := diff(want, got); d != "" {
				t.Errorf("config (-want +got):\n%s", d)
			}
		})
	}
}

func TestBuilderReportsEveryError(t *testing.T) {
	_, err := config.New().MaxKeys(-1).Evict().Shards(3).Backend("mem://").Build()
	got := paths(t, err)
	want := []string{"shards", "max_keys", "persist.encryption.keys", "persist.encryption.name_key"}
	if !slices.Equal(got, want) {
		t.Errorf("paths = %q, want %q", got, want)
	}
}

func TestBuilderUnknownPreset(t *testing.T) {
	_, err := config.New().Preset("nope").MaxKeys(1).Build()
	if !errors.Is(err, config.ErrUnknownPreset) {
		t.Errorf("err = %v, want ErrUnknownPreset", err)
	}
}

// TestBuilderBuildDoesNotAlias changes the Builder after Build and checks
// that the Config already built does not change.
func TestBuilderBuildDoesNotAlias(t *testing.T) {
	b := config.New().Bucket("a", config.Bucket{MaxKeys: 1}).Backend("mem://").KeyFromEnv(1, "K").NameKeyFromEnv("N")
	c, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	b.Bucket("a", config.Bucket{MaxKeys: 2}).KeyFromEnv(2, "K2").Backend("other://")
	if c.Buckets["a"].MaxKeys != 1 || len(c.Persist.Encryption.Keys) != 1 || c.Persist.Backend != "mem://" {
		t.Errorf("the built Config changed with the Builder: %v", c)
	}
}
