package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/livedict/livedict/config"
	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store"
)

// presetNone starts init from the zero configuration.
const presetNone = "none"

// backendNone answers the backend question for a memory-only store.
const backendNone = "none"

// initAnswers are init's answers, from prompts or flags, as text: each is
// checked by the function named after it.
type initAnswers struct {
	preset      string
	backend     string
	ttl         string
	maxKeys     string
	policy      string
	mode        string
	compression string
	keys        string // "env" or "file"
	keyEnv      string
	nameKeyEnv  string
	generate    bool
	keyFile     string
	nameKeyFile string
}

func presetNames() []string { return append(config.Presets(), presetNone) }

func checkPreset(s string) error { return choice(presetNames()...)(s) }

// presetConfig returns the configuration a preset name starts from.
func presetConfig(name string) config.Config {
	if name == presetNone {
		return config.Config{}
	}
	c, _ := config.Preset(name) // checked by checkPreset
	return c
}

// defaultsFrom fills the answers that follow the preset from the preset's
// configuration, where set is false for them; dir is where key files go.
func (a *initAnswers) defaultsFrom(c config.Config, set func(string) bool, dir string) {
	def := func(flag string, dst *string, v string) {
		if !set(flag) {
			*dst = v
		}
	}
	ttl := c.DefaultTTL.String()
	if c.DefaultTTL == 0 {
		ttl = "0"
	}
	def("ttl", &a.ttl, ttl)
	def("max-keys", &a.maxKeys, strconv.Itoa(c.MaxKeys))
	def("policy", &a.policy, cmpOr(c.Policy, config.PolicyReject))
	p := c.Persist
	if p == nil {
		def("backend", &a.backend, backendNone)
		def("mode", &a.mode, config.PersistWriteThrough)
		def("compression", &a.compression, config.CompressionNone)
		def("keys", &a.keys, "env")
		def("key-env", &a.keyEnv, "LIVEDICT_KEY")
		def("name-key-env", &a.nameKeyEnv, "LIVEDICT_NAME_KEY")
	} else {
		def("backend", &a.backend, p.Backend)
		def("mode", &a.mode, cmpOr(p.Mode, config.PersistWriteBehind))
		def("compression", &a.compression, cmpOr(p.Compression.Algorithm, config.CompressionNone))
		keys, keyEnv, keyFile := "env", "LIVEDICT_KEY", ""
		if ks := p.Encryption.Keys; len(ks) > 0 {
			if ks[0].File != "" {
				keys, keyFile = "file", ks[0].File
			} else if ks[0].Env != "" {
				keyEnv = ks[0].Env
			}
		}
		def("keys", &a.keys, keys)
		def("key-env", &a.keyEnv, keyEnv)
		def("name-key-env", &a.nameKeyEnv, cmpOr(p.Encryption.NameKey.Env, "LIVEDICT_NAME_KEY"))
		def("key-file", &a.keyFile, keyFile)
		def("name-key-file", &a.nameKeyFile, p.Encryption.NameKey.File)
	}
	if a.keyFile == "" {
		a.keyFile = filepath.Join(dir, "livedict-key-1")
	}
	if a.nameKeyFile == "" {
		a.nameKeyFile = filepath.Join(dir, "livedict-name-key")
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkBackend accepts "none" or a URL whose scheme this build registers.
func checkBackend(s string) error {
	if s == backendNone {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return errors.New("want a URL such as sqlite:///var/lib/app/live.db, or none")
	}
	if !slices.Contains(store.Schemes(), u.Scheme) {
		return fmt.Errorf("unknown scheme %q (this build knows %s)", u.Scheme, strings.Join(store.Schemes(), ", "))
	}
	return nil
}

// parseTTLAnswer accepts 0, never, or a positive Go duration.
func parseTTLAnswer(s string) (config.Duration, error) {
	var d config.Duration
	if err := d.UnmarshalText([]byte(s)); err != nil {
		return 0, err
	}
	if d < 0 && d != config.Never {
		return 0, errors.New("must be positive, 0 or never")
	}
	return d, nil
}

func checkTTL(s string) error { _, err := parseTTLAnswer(s); return err }

func parseMaxKeys(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errors.New("want a whole number, 0 or more")
	}
	return n, nil
}

func checkMaxKeys(s string) error { _, err := parseMaxKeys(s); return err }

// checkPolicy accepts reject, and evict when there is a bound.
func checkPolicy(maxKeys string) func(string) error {
	return func(s string) error {
		if err := choice(config.PolicyReject, config.PolicyEvict)(s); err != nil {
			return err
		}
		if n, _ := parseMaxKeys(maxKeys); s == config.PolicyEvict && n == 0 {
			return errors.New("evict needs a max keys bound above 0 (or choose reject)")
		}
		return nil
	}
}

var (
	checkMode        = choice(config.PersistWriteThrough, config.PersistWriteBehind)
	checkCompression = choice(config.CompressionNone, config.CompressionS2, config.CompressionZstd)
	checkKeySource   = choice("env", "file")
)

// checkEnvName accepts a portable environment variable name.
func checkEnvName(s string) error {
	if s == "" {
		return errors.New("want a variable name")
	}
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return errors.New("want letters, digits and _, not starting with a digit")
		}
	}
	if s == configEnv {
		return fmt.Errorf("%s names the configuration file", configEnv)
	}
	return nil
}

// differs returns a check that refuses other.
func differs(other, what string, check func(string) error) func(string) error {
	return func(s string) error {
		if err := check(s); err != nil {
			return err
		}
		if s == other || (what == "file" && samePath(s, other)) {
			return fmt.Errorf("the name key must be another %s than key 1's", what)
		}
		return nil
	}
}

// checkNewKeyFile accepts a path where a key can be generated: nothing
// there, in an existing directory.
func checkNewKeyFile(s string) error {
	if s == "" {
		return errors.New("want a file name")
	}
	if _, err := os.Lstat(s); err == nil {
		return fmt.Errorf("%s exists; key files are never overwritten", s)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if st, err := os.Stat(filepath.Dir(s)); err != nil || !st.IsDir() {
		return fmt.Errorf("directory %s does not exist", filepath.Dir(s))
	}
	return nil
}

// checkKeyFile accepts a file holding a key.
func checkKeyFile(s string) error {
	if s == "" {
		return errors.New("want a file name")
	}
	_, err := crypto.KeyFromFile(s)
	return err
}

// answerCheck is an answer with its flag and its check.
type answerCheck struct {
	flag, value string
	check       func(string) error
}

// checks lists the answers that apply, in the wizard's order.
func (a *initAnswers) checks() []answerCheck {
	cs := []answerCheck{
		{"preset", a.preset, checkPreset},
		{"backend", a.backend, checkBackend},
		{"ttl", a.ttl, checkTTL},
		{"max-keys", a.maxKeys, checkMaxKeys},
		{"policy", a.policy, checkPolicy(a.maxKeys)},
	}
	if a.backend == backendNone {
		return cs
	}
	cs = append(cs,
		answerCheck{"mode", a.mode, checkMode},
		answerCheck{"compression", a.compression, checkCompression},
		answerCheck{"keys", a.keys, checkKeySource})
	switch {
	case a.keys == "env":
		return append(cs,
			answerCheck{"key-env", a.keyEnv, checkEnvName},
			answerCheck{"name-key-env", a.nameKeyEnv, differs(a.keyEnv, "variable", checkEnvName)})
	case a.generate:
		return append(cs,
			answerCheck{"key-file", a.keyFile, checkNewKeyFile},
			answerCheck{"name-key-file", a.nameKeyFile, differs(a.keyFile, "file", checkNewKeyFile)})
	}
	return append(cs,
		answerCheck{"key-file", a.keyFile, checkKeyFile},
		answerCheck{"name-key-file", a.nameKeyFile, differs(a.keyFile, "file", checkKeyFile)})
}

// validate checks every answer, as the wizard does one by one.
func (a *initAnswers) validate() error {
	if a.generate && a.keys != "file" && a.backend != backendNone {
		return usageErr("--generate-keys writes key files: it needs --keys file")
	}
	for _, c := range a.checks() {
		if err := c.check(c.value); err != nil {
			return usageErr("--%s: %v", c.flag, err)
		}
	}
	return nil
}

// config builds the configuration the answers describe: the preset's,
// with every answer applied.
func (a *initAnswers) config() config.Config {
	c := presetConfig(a.preset)
	ttl, _ := parseTTLAnswer(a.ttl)
	c.DefaultTTL = ttl
	c.MaxKeys, _ = parseMaxKeys(a.maxKeys)
	c.Policy = a.policy
	if a.backend == backendNone {
		c.Persist = nil
		// Buckets cannot ask for persistence without a persist section.
		for name, b := range c.Buckets {
			if b.Persistence != "" && b.Persistence != config.PersistNone && b.Persistence != config.PersistDefault {
				b.Persistence = ""
				c.Buckets[name] = b
			}
		}
		return c
	}
	p := c.Persist
	if p == nil {
		p = &config.Persist{}
		c.Persist = p
	}
	p.Backend = a.backend
	p.Mode = a.mode
	p.Compression = config.Compression{}
	if a.compression != config.CompressionNone {
		p.Compression.Algorithm = a.compression
	}
	e := &p.Encryption
	e.Plaintext = false
	e.Primary = 1
	if a.keys == "env" {
		e.Keys = []config.KeyRef{{ID: 1, Env: a.keyEnv}}
		e.NameKey = config.KeySource{Env: a.nameKeyEnv}
	} else {
		e.Keys = []config.KeyRef{{ID: 1, File: a.keyFile}}
		e.NameKey = config.KeySource{File: a.nameKeyFile}
	}
	return c
}
