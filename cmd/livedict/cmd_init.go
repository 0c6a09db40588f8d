package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/livedict/livedict/config"
)

var initCommand = &command{
	name:    "init",
	args:    "[flags]",
	summary: "write a configuration file, with an interactive wizard on a terminal",
	help: `Writes a configuration file (--config, default livedict.yaml; YAML or JSON by
its extension) and checks it by loading it back. It never replaces an
existing file without --force.

On a terminal, a wizard asks for each setting, offering a default (the
preset's value, or the flag's when one is given): the preset to start from,
the backend URL (or none for a memory-only store), the default TTL, the key
bound and the policy at the bound, and for a persisting store the
persistence mode, the compression and where the keys come from: environment
variables, or key files (existing ones, or new ones it generates with mode
0600). Each answer is checked at once and asked again with the reason when
it is not valid.

Without a terminal, or with --non-interactive, the flags give the answers
and nothing is asked. Generated key files hold a key as 64 hex digits; the
configuration names key files by their absolute paths.

Examples:
  livedict init
  livedict init --non-interactive --preset durable_sql --backend sqlite:///var/lib/app/live.db \
      --keys file --generate-keys --key-file /etc/livedict/key-1 --name-key-file /etc/livedict/name-key`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		var a initAnswers
		fs.StringVar(&a.preset, "preset", "durable_sql", "preset to start from: simple, bucketed, durable_sql, hybrid_cache_db or none")
		fs.StringVar(&a.backend, "backend", "", "backend URL, or none for a memory-only store (default: the preset's)")
		fs.StringVar(&a.ttl, "ttl", "", "default TTL: a Go duration such as 10m, or 0 or never for no expiry (default: the preset's)")
		fs.StringVar(&a.maxKeys, "max-keys", "", "bound on the store's entries, 0 for none (default: the preset's)")
		fs.StringVar(&a.policy, "policy", "", "at the bound: reject or evict (default: the preset's)")
		fs.StringVar(&a.mode, "mode", "", "persistence: write-through or write-behind (default: the preset's)")
		fs.StringVar(&a.compression, "compression", "", "none, s2 or zstd (default: the preset's)")
		fs.StringVar(&a.keys, "keys", "", "where the keys come from: env or file (default: the preset's)")
		fs.StringVar(&a.keyEnv, "key-env", "", "environment variable holding key 1 (default LIVEDICT_KEY)")
		fs.StringVar(&a.nameKeyEnv, "name-key-env", "", "environment variable holding the name key (default LIVEDICT_NAME_KEY)")
		fs.StringVar(&a.keyFile, "key-file", "", "file holding key 1 (default livedict-key-1 beside the configuration)")
		fs.StringVar(&a.nameKeyFile, "name-key-file", "", "file holding the name key (default livedict-name-key beside the configuration)")
		fs.BoolVar(&a.generate, "generate-keys", false, "generate new key files (mode 0600) at --key-file and --name-key-file")
		force := fs.Bool("force", false, "replace the configuration file if it exists")
		nonInteractive := fs.Bool("non-interactive", false, "ask nothing, even on a terminal: the flags give every answer")
		return func(ctx context.Context, args []string) error {
			if err := e.wantArgs(args); err != nil {
				return err
			}
			path := e.g.config
			if err := checkConfigPath(path); err != nil {
				return err
			}
			if !*force {
				if _, err := os.Lstat(path); err == nil {
					return fmt.Errorf("%s exists (use --force to replace it)", path)
				}
			}
			dir, err := filepath.Abs(filepath.Dir(path))
			if err != nil {
				return err
			}
			set := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
			if a.generate && !set["keys"] {
				a.keys = "file"
				set["keys"] = true
			}
			isSet := func(name string) bool { return set[name] }
			if *nonInteractive || !isTerminal(e.stdin) {
				if err := checkPreset(a.preset); err != nil {
					return usageErr("--preset: %v", err)
				}
				a.defaultsFrom(presetConfig(a.preset), isSet, dir)
				if err := a.validate(); err != nil {
					return err
				}
			} else {
				p := &prompter{in: bufio.NewReader(e.stdin), out: e.stdout}
				ok, err := a.ask(p, path, isSet, dir)
				if err != nil {
					return err
				}
				if !ok {
					return errAborted
				}
			}
			return e.writeInit(path, a, *force)
		}
	},
}

// ask runs the wizard; it reports false when the user declines to write.
func (a *initAnswers) ask(p *prompter, path string, set func(string) bool, dir string) (bool, error) {
	fmt.Fprintf(p.out, "livedict init writes %s. Press Enter to take the [default]; Ctrl-D aborts.\n\n", path)
	var err error
	q := func(dst *string, label string, check func(string) error) {
		if err == nil {
			*dst, err = p.ask(label, *dst, check)
		}
	}
	q(&a.preset, "Preset to start from (simple, bucketed, durable_sql, hybrid_cache_db, none)", checkPreset)
	if err != nil {
		return false, err
	}
	a.defaultsFrom(presetConfig(a.preset), set, dir)
	q(&a.backend, "Backend URL, or none for memory only", checkBackend)
	q(&a.ttl, "Default TTL (such as 30s, 10m, 1h; 0 or never: no expiry)", checkTTL)
	q(&a.maxKeys, "Max keys (0: no bound)", checkMaxKeys)
	q(&a.policy, "At max keys (reject, evict)", checkPolicy(a.maxKeys))
	if err != nil {
		return false, err
	}
	if a.backend != backendNone {
		q(&a.mode, "Persistence (write-through: durable when Set returns; write-behind: when Flush returns)", checkMode)
		q(&a.compression, "Compression (none, s2, zstd)", checkCompression)
		q(&a.keys, "Keys come from (env: environment variables; file: key files)", checkKeySource)
		if err != nil {
			return false, err
		}
		if a.keys == "env" {
			q(&a.keyEnv, "  Variable holding key 1 (64 hex digits)", checkEnvName)
			q(&a.nameKeyEnv, "  Variable holding the name key", differs(a.keyEnv, "variable", checkEnvName))
		} else {
			gen := boolWord(a.generate || !set("key-file"))
			q(&gen, "  Generate new key files (yes, no)", func(s string) error { _, err := yesNo(s); return err })
			if err != nil {
				return false, err
			}
			a.generate, _ = yesNo(gen)
			check := checkKeyFile
			if a.generate {
				check = checkNewKeyFile
			}
			q(&a.keyFile, "  Key file for key 1", check)
			q(&a.nameKeyFile, "  Key file for the name key", differs(a.keyFile, "file", check))
		}
	}
	write := "yes"
	q(&write, fmt.Sprintf("Write %s (yes, no)", path), func(s string) error { _, err := yesNo(s); return err })
	if err != nil {
		return false, err
	}
	ok, _ := yesNo(write)
	return ok, nil
}

// writeInit generates the key files asked for, writes the configuration
// and checks it by loading it back. On failure it removes what it made.
func (e *env) writeInit(path string, a initAnswers, force bool) (err error) {
	// The programs that open the store run elsewhere: the configuration
	// names key files by their absolute paths.
	for _, f := range []*string{&a.keyFile, &a.nameKeyFile} {
		if *f, err = filepath.Abs(*f); err != nil {
			return err
		}
	}
	c := a.config()
	if err := c.Validate(); err != nil {
		return configErr(err)
	}
	if a.generate && c.Persist != nil {
		var made []string
		defer func() {
			if err != nil {
				for _, f := range made {
					os.Remove(f)
				}
			}
		}()
		for _, f := range []string{a.keyFile, a.nameKeyFile} {
			if err := generateKeyFile(f); err != nil {
				return err
			}
			made = append(made, f)
		}
	}
	if err := saveConfig(path, c, force); err != nil {
		return err
	}
	back, err := config.LoadFile(path)
	if err == nil {
		err = back.Validate()
	}
	if err != nil {
		return configErr(fmt.Errorf("the file written does not load back: %w", err))
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", path)
	if c.Persist == nil {
		return nil
	}
	enc := c.Persist.Encryption
	if a.generate {
		fmt.Fprintf(e.stdout, "generated key files %s and %s (mode 0600): back them up, since records cannot be read without them\n", a.keyFile, a.nameKeyFile)
	}
	for _, name := range []string{enc.Keys[0].Env, enc.NameKey.Env} {
		if name == "" {
			continue
		}
		if _, ok := os.LookupEnv(name); !ok {
			fmt.Fprintf(e.stdout, "set %s to a key of 64 hex digits before opening the store (for example: export %s=$(openssl rand -hex 32)), and keep it safe\n", name, name)
		}
	}
	return nil
}
