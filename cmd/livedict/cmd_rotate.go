package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/livedict/livedict/config"
)

var rotateCommand = &command{
	name:    "rotate-key",
	args:    "--new-key-file PATH [--generate] [--id N] | --new-key-env NAME [--id N] | --resume | --retire ID",
	summary: "add a new primary key and reseal every record under it; retire old keys",
	help: `Rotates the store's encryption key in two explicit steps.

1. rotate-key --new-key-file PATH [--generate] (or --new-key-env NAME) adds
   the new key to the configuration's keyring with the next id (or --id),
   makes it the primary key and SAVES the configuration file, then reseals
   every persisted record of every bucket under it, printing progress.
   --generate writes a new random key to PATH first (mode 0600; an existing
   file is never overwritten). Records are resealed without their values
   being decoded; one already under the primary key is skipped, so an
   interrupted run is finished by running the same command again or
   rotate-key --resume.
2. rotate-key --retire ID removes the old key from the configuration once
   no record is sealed under it (checked by scanning the backend); the key
   file itself is left for you to delete.

Buckets visited: the default bucket, those the configuration declares, and
those named with --bucket (backends cannot list their buckets). Programs
that write the store keep sealing under the old key until they run with
the saved configuration: restart them, run rotate-key --resume, then retire.
The keyring must come from the file, not from LIVEDICT_KEYS. Saving rewrites
the file: comments in it are not kept.

Examples:
  livedict rotate-key --new-key-file /etc/livedict/key-2 --generate
  livedict rotate-key --resume
  livedict rotate-key --retire 1`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		var o rotateOptions
		fs.StringVar(&o.file, "new-key-file", "", "file holding the new key (64 hex digits, base64, or 32 raw bytes)")
		fs.StringVar(&o.envName, "new-key-env", "", "environment variable holding the new key (64 hex digits or base64)")
		fs.BoolVar(&o.generate, "generate", false, "write a new random key to --new-key-file first (mode 0600)")
		fs.UintVar(&o.id, "id", 0, "id of the new key (default: the largest id in the keyring + 1)")
		fs.BoolVar(&o.resume, "resume", false, "reseal every record not yet under the primary key (finishes an interrupted rotation)")
		fs.UintVar(&o.retire, "retire", 0, "remove key `ID` from the configuration, if no record is sealed under it")
		return func(ctx context.Context, args []string) error {
			if err := e.wantArgs(args); err != nil {
				return err
			}
			if err := o.check(); err != nil {
				return err
			}
			if err := keyringFromFile(e.environ); err != nil {
				return err
			}
			if o.file != "" {
				// The programs that open the store run elsewhere: the
				// configuration names the file by its absolute path.
				abs, err := filepath.Abs(o.file)
				if err != nil {
					return err
				}
				o.file = abs
			}
			switch {
			case o.retire != 0:
				return e.retireKey(ctx, uint32(o.retire))
			case o.resume:
				return e.reseal(ctx)
			}
			if err := e.addKey(o); err != nil {
				return err
			}
			return e.reseal(ctx)
		}
	},
}

// rotateOptions are rotate-key's flags.
type rotateOptions struct {
	file, envName    string
	generate, resume bool
	id, retire       uint
}

func (o rotateOptions) check() error {
	modes := 0
	if o.file != "" || o.envName != "" {
		modes++
	}
	if o.resume {
		modes++
	}
	if o.retire != 0 {
		modes++
	}
	switch {
	case modes != 1:
		return usageErr("give exactly one of --new-key-file, --new-key-env, --resume or --retire")
	case o.file != "" && o.envName != "":
		return usageErr("give --new-key-file or --new-key-env, not both")
	case o.generate && o.file == "":
		return usageErr("--generate writes the key to --new-key-file; it cannot write an environment variable")
	case o.id != 0 && o.file == "" && o.envName == "":
		return usageErr("--id names a new key; it goes with --new-key-file or --new-key-env")
	case o.id > 1<<32-1 || o.retire > 1<<32-1:
		return usageErr("key ids go from 1 to 4294967295")
	}
	return nil
}

// keyringFromFile refuses to rotate a keyring that the environment sets:
// the change saved to the file would not be the one in force.
func keyringFromFile(environ []string) error {
	for _, kv := range environ {
		name, v, _ := strings.Cut(kv, "=")
		if (name == config.EnvPrefix+"KEYS" || name == config.EnvPrefix+"PRIMARY_KEY") && strings.TrimSpace(v) != "" {
			return configErr(fmt.Errorf("%s is set: the keyring comes from the environment, so rotate it there (add the key to %sKEYS, make it %sPRIMARY_KEY, then run rotate-key --resume)",
				name, config.EnvPrefix, config.EnvPrefix))
		}
	}
	return nil
}

// addKey adds the new key to the configuration file as its primary key
// and saves it. When the key is already the primary one, as after an
// interrupted run, it changes nothing, so that the same command resumes.
func (e *env) addKey(o rotateOptions) (err error) {
	fc, err := e.loadFileConfig()
	if err != nil {
		return err
	}
	if _, err := e.effective(fc); err != nil {
		return err
	}
	if fc.Persist == nil || fc.Persist.Encryption.Plaintext {
		return configErr(fmt.Errorf("%s does not encrypt (no persist section, or plaintext): there is no key to rotate", e.g.config))
	}
	enc := &fc.Persist.Encryption
	src := config.KeySource{Env: o.envName, File: o.file}
	what := "file " + o.file
	if o.envName != "" {
		what = "environment variable " + o.envName
	}
	primary := primaryOf(*enc)
	for _, k := range enc.Keys {
		if !sameSource(k, src) {
			continue
		}
		if o.id != 0 && uint32(o.id) != k.ID {
			return usageErr("%s is already key id %d of the keyring, not %d", what, k.ID, o.id)
		}
		if k.ID != primary {
			return fmt.Errorf("%s is key id %d of the keyring but the primary key is %d: it is not this rotation's new key (run rotate-key --resume to finish the current rotation)", what, k.ID, primary)
		}
		fmt.Fprintf(e.stdout, "key id %d (%s) is already the primary key; resuming the rotation\n", k.ID, what)
		return nil
	}
	saving := false // from then on the key file stays, whatever happens
	if o.generate {
		if _, err := os.Stat(o.file); err == nil {
			return fmt.Errorf("%s exists but is not in the keyring; it is never overwritten (if an earlier rotate-key --generate was interrupted before saving %s, run it again without --generate to use that key)", o.file, e.g.config)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := generateKeyFile(o.file); err != nil {
			return err
		}
		defer func() {
			if err != nil && !saving {
				os.Remove(o.file)
			}
		}()
	}
	key, err := readKey(src)
	if err != nil {
		return configErr(fmt.Errorf("new key: %w", err))
	}
	var maxID uint32
	for _, k := range enc.Keys {
		maxID = max(maxID, k.ID)
		if old, err := readKey(k.Source()); err == nil && old == key {
			return fmt.Errorf("the new key is the same key as key id %d; a rotation needs a different key", k.ID)
		}
	}
	id := uint32(o.id)
	if id == 0 {
		if maxID == 1<<32-1 {
			return errors.New("the keyring already uses key id 4294967295; give --id")
		}
		id = maxID + 1
	}
	for _, k := range enc.Keys {
		if k.ID == id {
			return usageErr("key id %d is in use; ids are never reused", id)
		}
	}
	enc.Keys = append(enc.Keys, config.KeyRef{ID: id, Env: o.envName, File: o.file})
	enc.Primary = id
	if _, err := e.effective(fc); err != nil {
		return err
	}
	saving = true
	if err := saveConfig(e.g.config, fc, true); err != nil {
		if o.generate {
			return fmt.Errorf("save %s: %w (the new key file %s was kept: run the command again without --generate)", e.g.config, err, o.file)
		}
		return fmt.Errorf("save %s: %w", e.g.config, err)
	}
	fmt.Fprintf(e.stdout, "added key id %d (%s) as the primary key (was %d) and saved %s\n", id, what, primary, e.g.config)
	return nil
}
