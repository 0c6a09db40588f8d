package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// EnvPrefix starts the name of every environment variable FromEnv and
// ApplyEnv read.
const EnvPrefix = "LIVEDICT_"

// ConfigFileEnv names the environment variable that programs (the livedict
// command among them) read for the path of the configuration file.
const ConfigFileEnv = "LIVEDICT_CONFIG"

// envVar is one environment variable: its name after EnvPrefix, the path
// of the field it sets, and how.
type envVar struct {
	name string
	path string
	set  func(c *Config, v string) error
}

func persistOf(c *Config) *Persist {
	if c.Persist == nil {
		c.Persist = &Persist{}
	}
	return c.Persist
}

func breakerOf(c *Config) *Breaker {
	p := persistOf(c)
	if p.Breaker == nil {
		p.Breaker = &Breaker{}
	}
	return p.Breaker
}

func setDuration(field func(*Config) *Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := parseDuration(v)
		if err == nil {
			*field(c) = d
		}
		return err
	}
}

func setInt(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("want an integer, got %s", quote(v))
		}
		*field(c) = n
		return nil
	}
}

func setBool(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false, got %s", quote(v))
		}
		*field(c) = b
		return nil
	}
}

func setString(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		*field(c) = v
		return nil
	}
}

// envVars lists every variable; docs/configuration.md has the same table
// (a test keeps them in step).
var envVars = []envVar{
	{"DEFAULT_TTL", "default_ttl", setDuration(func(c *Config) *Duration { return &c.DefaultTTL })},
	{"SHARDS", "shards", setInt(func(c *Config) *int { return &c.Shards })},
	{"MAX_KEYS", "max_keys", setInt(func(c *Config) *int { return &c.MaxKeys })},
	{"POLICY", "policy", setString(func(c *Config) *string { return &c.Policy })},
	{"REQUIRE_BUCKET", "require_bucket", setBool(func(c *Config) *bool { return &c.RequireBucket })},
	{"READ_STATS", "read_stats", setBool(func(c *Config) *bool { return &c.ReadStats })},
	{"NAME", "name", setString(func(c *Config) *string { return &c.Name })},

	{"BACKEND", "persist.backend", setString(func(c *Config) *string { return &persistOf(c).Backend })},
	{"KEYS", "persist.encryption.keys", setKeys},
	{"PRIMARY_KEY", "persist.encryption.primary", setPrimary},
	{"ENCRYPTION_ALGORITHM", "persist.encryption.algorithm", setString(func(c *Config) *string { return &persistOf(c).Encryption.Algorithm })},
	{"NAME_KEY_SOURCE", "persist.encryption.name_key", setNameKey},
	{"PLAINTEXT", "persist.encryption.plaintext", setBool(func(c *Config) *bool { return &persistOf(c).Encryption.Plaintext })},
	{"COMPRESSION", "persist.compression.algorithm", setString(func(c *Config) *string { return &persistOf(c).Compression.Algorithm })},
	{"COMPRESSION_MIN_SIZE", "persist.compression.min_size", setInt(func(c *Config) *int { return &persistOf(c).Compression.MinSize })},
	{"CODEC", "persist.codec", setString(func(c *Config) *string { return &persistOf(c).Codec })},
	{"PERSIST_MODE", "persist.mode", setString(func(c *Config) *string { return &persistOf(c).Mode })},
	{"QUEUE_SIZE", "persist.queue_size", setInt(func(c *Config) *int { return &persistOf(c).QueueSize })},
	{"FLUSH_INTERVAL", "persist.flush_interval", setDuration(func(c *Config) *Duration { return &persistOf(c).FlushInterval })},
	{"WHEN_FULL", "persist.when_full", setString(func(c *Config) *string { return &persistOf(c).WhenFull })},
	{"BLOCK_TIMEOUT", "persist.block_timeout", setDuration(func(c *Config) *Duration { return &persistOf(c).BlockTimeout })},
	{"RETRIES", "persist.retries", setInt(func(c *Config) *int { return &persistOf(c).Retries })},
	{"RETRY_BACKOFF", "persist.retry_backoff", setDuration(func(c *Config) *Duration { return &persistOf(c).RetryBackoff })},
	{"PERSIST_TIMEOUT", "persist.timeout", setDuration(func(c *Config) *Duration { return &persistOf(c).Timeout })},
	{"BREAKER_TIMEOUT", "persist.breaker.timeout", setDuration(func(c *Config) *Duration { return &breakerOf(c).Timeout })},
	{"BREAKER_FAILURES", "persist.breaker.failures", setInt(func(c *Config) *int { return &breakerOf(c).Failures })},
	{"BREAKER_COOLDOWN", "persist.breaker.cooldown", setDuration(func(c *Config) *Duration { return &breakerOf(c).Cooldown })},
}

var envByName = func() map[string]envVar {
	m := make(map[string]envVar, len(envVars))
	for _, v := range envVars {
		m[v.name] = v
	}
	return m
}()

// bucketFields are the suffixes of LIVEDICT_BUCKET_<NAME>_<FIELD>.
var bucketFields = []struct {
	suffix string
	set    func(b *Bucket, v string) error
}{
	{"_DEFAULT_TTL", func(b *Bucket, v string) error {
		d, err := parseDuration(v)
		b.DefaultTTL = d
		return err
	}},
	{"_MAX_KEYS", func(b *Bucket, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("want an integer, got %s", quote(v))
		}
		b.MaxKeys = n
		return nil
	}},
	{"_PERSISTENCE", func(b *Bucket, v string) error {
		b.Persistence = v
		return nil
	}},
}

const bucketPrefix = "BUCKET_"

// parseSource reads "env:NAME" or "file:PATH". Errors do not quote the
// text, in case key material was written there by mistake.
func parseSource(s string) (KeySource, error) {
	kind, arg, ok := strings.Cut(s, ":")
	switch {
	case ok && kind == "env" && arg != "":
		return KeySource{Env: arg}, nil
	case ok && kind == "file" && arg != "":
		return KeySource{File: arg}, nil
	}
	return KeySource{}, errors.New("want env:VARIABLE or file:PATH")
}

// setKeys reads "ID=env:NAME,ID=file:PATH,..." and replaces the keyring.
func setKeys(c *Config, v string) error {
	var keys []KeyRef
	for i, item := range strings.Split(v, ",") {
		idText, src, ok := strings.Cut(strings.TrimSpace(item), "=")
		id, err := strconv.ParseUint(idText, 10, 32)
		if !ok || err != nil || id == 0 {
			return fmt.Errorf("entry %d: want ID=env:VARIABLE or ID=file:PATH with ID from 1 to 4294967295", i+1)
		}
		s, err := parseSource(src)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i+1, err)
		}
		keys = append(keys, KeyRef{ID: uint32(id), Env: s.Env, File: s.File})
	}
	persistOf(c).Encryption.Keys = keys
	return nil
}

func setPrimary(c *Config, v string) error {
	id, err := strconv.ParseUint(v, 10, 32)
	if err != nil || id == 0 {
		return errors.New("want a key id from 1 to 4294967295")
	}
	persistOf(c).Encryption.Primary = uint32(id)
	return nil
}

func setNameKey(c *Config, v string) error {
	s, err := parseSource(v)
	if err == nil {
		persistOf(c).Encryption.NameKey = s
	}
	return err
}

// isSecretVar reports whether name (with its prefix) is one of the
// variables that hold key material rather than configuration.
func isSecretVar(name string) bool {
	rest := strings.TrimPrefix(name, EnvPrefix)
	if rest == "KEY" || rest == "NAME_KEY" {
		return true
	}
	digits, ok := strings.CutPrefix(rest, "KEY_")
	if !ok || digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// StrictEnvVar names the environment variable that makes ApplyEnv
// strict, as EnvOptions.Strict does: set to true, every unknown LIVEDICT_
// variable is an error.
const StrictEnvVar = "LIVEDICT_STRICT_ENV"

// EnvOptions says how ApplyEnvOptions treats LIVEDICT_ variables it does
// not know. The zero EnvOptions is what FromEnv and ApplyEnv use.
type EnvOptions struct {
	// Strict makes every unknown LIVEDICT_ variable an error, not only
	// those that are near misses of a setting. StrictEnvVar=true in the
	// environment sets it too.
	Strict bool
	// Warn is given each unknown variable that is not an error, as a
	// FieldError whose Path is the variable's name. Nil logs it with
	// slog.Default at level Warn.
	Warn func(FieldError)
}

// FromEnv builds a configuration from the LIVEDICT_ variables of environ
// (as os.Environ returns it), starting from the zero Config. See ApplyEnv.
func FromEnv(environ []string) (Config, error) {
	var c Config
	if err := ApplyEnv(&c, environ); err != nil {
		return Config{}, err
	}
	return c, nil
}

// ApplyEnv sets the fields of c that the LIVEDICT_ variables of environ
// name, leaving the others as they are, so that the environment can
// override a file or a preset. docs/configuration.md lists the variables.
// It is ApplyEnvOptions with the zero EnvOptions.
//
// A variable with an empty value is ignored. Every bad value is reported,
// with the variable's name, in a *ValidationError matching
// ErrInvalidConfig, and c is then left unchanged. So is every unknown
// LIVEDICT_ variable that is a near miss of a setting (a misspelling, a
// wrong case: the error suggests the setting), since a setting silently
// lost is worse than a failure. An unknown variable that is nowhere near
// a setting (containers and tools set their own, such as LIVEDICT_CLI) is
// not an error: it is logged as a warning, unless EnvOptions.Strict or
// StrictEnvVar asks for an error.
//
// The variables that hold keys are not configuration and are skipped:
// LIVEDICT_KEY, LIVEDICT_KEY_<digits>, LIVEDICT_NAME_KEY, and any
// variable a key source of the resulting configuration reads. So is
// LIVEDICT_CONFIG (ConfigFileEnv), which names the file to load and is for
// the program that loads it, such as the livedict command.
//
// ApplyEnv does not call Validate. Errors quote at most a few characters
// of a bad value, and nothing of a variable that may hold a secret.
// Its time is linear in the number of variables.
func ApplyEnv(c *Config, environ []string) error {
	return ApplyEnvOptions(c, environ, EnvOptions{})
}

// ApplyEnvOptions is ApplyEnv, with o saying what an unknown variable is.
func ApplyEnvOptions(c *Config, environ []string, o EnvOptions) error {
	if c == nil {
		return fmt.Errorf("%w: ApplyEnv given a nil *Config", ErrInvalidConfig)
	}
	work := c.clone()
	var fe fieldErrors
	strict := o.Strict
	var unknown []string
	buckets := newBucketIndex(work.Buckets)
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, EnvPrefix)
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if v, ok := envByName[rest]; ok {
			if val == "" {
				continue
			}
			if err := v.set(&work, val); err != nil {
				// Setters quote the value; a variable that may hold a
				// secret shows none of it.
				fe.add(name, "%s", strings.ReplaceAll(err.Error(), quote(val), quoteAt(v.path, val)))
			}
			continue
		}
		if name == StrictEnvVar {
			if b, err := strconv.ParseBool(val); err == nil {
				strict = b
			} else if val != "" {
				fe.add(name, "want true or false, got %s", quote(val))
			}
			continue
		}
		if bucketVar(&fe, &work, buckets, name, rest, val) {
			continue
		}
		unknown = append(unknown, name)
	}
	read := keyEnvs(&work)
	warn := o.Warn
	if warn == nil {
		warn = func(f FieldError) {
			slog.Warn("config: unknown environment variable ignored", "variable", f.Path, "why", f.Msg)
		}
	}
	var warnings []FieldError
	for _, name := range unknown {
		if isSecretVar(name) || read[name] || name == ConfigFileEnv {
			continue
		}
		shown := showName(name)
		switch near := nearVar(strings.TrimPrefix(name, EnvPrefix)); {
		case near != "":
			fe.add(shown, "unknown variable (did you mean %s?)", near)
		case strict:
			fe.add(shown, "unknown variable (docs/configuration.md lists the LIVEDICT_ variables; strict since %s or EnvOptions.Strict is set)", StrictEnvVar)
		default:
			warnings = append(warnings, FieldError{Path: shown, Msg: "unknown variable, ignored (it is not near any setting; docs/configuration.md lists them; " + StrictEnvVar + "=true makes it an error)"})
		}
	}
	// Warnings are bounded as errors are: a flood of variables makes one
	// warning for the rest.
	for i, w := range warnings {
		if i == MaxFieldErrors {
			warn(FieldError{Path: EnvPrefix + "*", Msg: fmt.Sprintf("%d more unknown variables, ignored", len(warnings)-i)})
			break
		}
		warn(w)
	}
	if err := fe.err(); err != nil {
		return err
	}
	*c = work
	return nil
}

// nearVar returns the variable that rest (a name after EnvPrefix) is a
// near miss of, with its prefix, or "" when it is nowhere near one.
func nearVar(rest string) string {
	upper := strings.ToUpper(rest)
	if strings.HasPrefix(upper, "KEY_") {
		return EnvPrefix + "KEY_<digits>"
	}
	if seg, _, ok := strings.Cut(upper, "_"); ok {
		if _, near := editDistance(seg, "BUCKET", 1); near {
			return EnvPrefix + bucketPrefix + "<NAME>_DEFAULT_TTL, _MAX_KEYS or _PERSISTENCE"
		}
	}
	if n := nearest(rest, settingNames); n != "" {
		return EnvPrefix + n
	}
	return ""
}

// settingNames yields the names, after EnvPrefix, of every variable
// ApplyEnv reads or knows of.
func settingNames(yield func(string) bool) {
	for _, v := range envVars {
		if !yield(v.name) {
			return
		}
	}
	for _, n := range []string{"KEY", "NAME_KEY", "CONFIG", "STRICT_ENV"} {
		if !yield(n) {
			return
		}
	}
}

// bucketVar handles LIVEDICT_BUCKET_<NAME>_<FIELD>; it reports false for
// a name that is not of that form.
func bucketVar(fe *fieldErrors, c *Config, idx bucketIndex, name, rest, val string) bool {
	rest, ok := strings.CutPrefix(rest, bucketPrefix)
	if !ok {
		return false
	}
	for _, f := range bucketFields {
		upper, ok := strings.CutSuffix(rest, f.suffix)
		if !ok || upper == "" {
			continue
		}
		if val == "" {
			return true
		}
		bucket := idx.name(upper)
		b := c.Buckets[bucket]
		if err := f.set(&b, val); err != nil {
			fe.add(cutText(name, maxBucketShown+40), "%v", err)
			return true
		}
		if c.Buckets == nil {
			c.Buckets = make(map[string]Bucket)
		}
		if _, ok := c.Buckets[bucket]; !ok {
			idx.add(bucket)
		}
		c.Buckets[bucket] = b
		return true
	}
	fe.add(cutText(name, maxBucketShown+40), "want LIVEDICT_BUCKET_<NAME>_DEFAULT_TTL, _MAX_KEYS or _PERSISTENCE")
	return true
}

// bucketIndex finds buckets by name ignoring case, in constant time: the
// names of the buckets under each upper-case spelling.
type bucketIndex map[string][]string

func newBucketIndex(buckets map[string]Bucket) bucketIndex {
	idx := make(bucketIndex, len(buckets))
	for name := range buckets {
		idx.add(name)
	}
	return idx
}

func (idx bucketIndex) add(name string) {
	k := strings.ToUpper(name)
	idx[k] = append(idx[k], name)
}

// name maps the <NAME> of a bucket variable to a bucket: the one bucket
// whose name equals it ignoring case, else its lower case.
func (idx bucketIndex) name(upper string) string {
	match := ""
	n := 0
	for _, name := range idx[strings.ToUpper(upper)] {
		if strings.EqualFold(name, upper) {
			match = name
			n++
		}
	}
	if n == 1 {
		return match
	}
	return strings.ToLower(upper)
}

// keyEnvs returns the variables c's key sources read.
func keyEnvs(c *Config) map[string]bool {
	m := map[string]bool{}
	if c.Persist == nil {
		return m
	}
	e := &c.Persist.Encryption
	for _, k := range e.Keys {
		if k.Env != "" {
			m[k.Env] = true
		}
	}
	if e.NameKey.Env != "" {
		m[e.NameKey.Env] = true
	}
	return m
}
