package config_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/livedict/livedict"
	"github.com/livedict/livedict/config"
)

// A configuration file, overridden by the environment, opened as a store.
func Example() {
	c, err := config.FromYAML([]byte(`
default_ttl: 10m
max_keys: 100000
buckets:
  sessions: {default_ttl: 30m, max_keys: 20000}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a program: config.ApplyEnv(&c, os.Environ()).
	if err := config.ApplyEnv(&c, []string{"LIVEDICT_BUCKET_SESSIONS_DEFAULT_TTL=1h"}); err != nil {
		fmt.Println(err)
		return
	}
	s, err := config.Open[string, string](context.Background(), c)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	sessions := s.Bucket("sessions")
	sessions.Set("sid-1", "alice", livedict.DefaultTTL)
	ttl, _ := sessions.TTL("sid-1")
	fmt.Println(ttl.Round(time.Hour))
	// Output: 1h0m0s
}

// Validate reports every bad field with its path.
func ExampleConfig_Validate() {
	c, err := config.FromJSON([]byte(`{
		"max_keys": -1,
		"policy": "lru",
		"buckets": {"sessions": {"max_keys": -5}}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = c.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, config.ErrInvalidConfig))
	// Output:
	// config: max_keys: must be >= 0, got -1
	// config: policy: unknown policy "lru" (want reject or evict)
	// config: buckets.sessions.max_keys: must be >= 0, got -5
	// true
}

// Unknown fields are errors, so a misspelt setting is never silently
// lost.
func ExampleFromJSON_unknownField() {
	_, err := config.FromJSON([]byte(`{"max_key": 100}`))
	fmt.Println(err)
	// Output: config: max_key: unknown field (did you mean max_keys?)
}

func ExampleNew() {
	c, err := config.New().
		DefaultTTL(5*time.Minute).
		MaxKeys(1e5).
		Evict().
		Bucket("sessions", config.Bucket{DefaultTTL: config.Duration(30 * time.Minute)}).
		Backend("sqlite:///var/lib/app/live.db").
		KeyFromEnv(1, "LIVEDICT_KEY").
		NameKeyFromEnv("LIVEDICT_NAME_KEY").
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	// Output: {"default_ttl":"5m0s","max_keys":100000,"policy":"evict","buckets":{"sessions":{"default_ttl":"30m0s"}},"persist":{"backend":"sqlite:///var/lib/app/live.db","encryption":{"keys":[{"id":1,"env":"LIVEDICT_KEY"}],"name_key":{"env":"LIVEDICT_NAME_KEY"}}}}
}

func ExamplePreset() {
	c, err := config.Preset(config.PresetHybridCacheDB)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Policy, c.MaxKeys, c.DefaultTTL, c.Persist.Mode, c.Persist.Backend)
	// Output: evict 100000 5m0s write-behind sqlite:livedict.db
}
