package main

import (
	"context"
	"flag"

	"github.com/livedict/livedict/config"
)

var configCommand = &command{
	name:    "config",
	args:    "[flags]",
	summary: "print the effective configuration, defaults filled in and secrets redacted",
	help: `Prints the configuration livedict and a program opening the same file would
run with: the configuration file, with the LIVEDICT_ environment variables
laid over it, checked, and every default written out (config.Effective).
Secrets are redacted: the backend URL's password and inline keys print as
[redacted]; keys read from the environment or a file print as the name of
their variable or their path. No key is read, and the backend is not opened.
With nothing to redact, the output is a valid configuration file.

Example:
  livedict config
  LIVEDICT_MAX_KEYS=5000 livedict config --format json`,
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		format := fs.String("format", config.FormatYAML, "output `FORMAT`: yaml or json")
		return func(_ context.Context, args []string) error {
			if err := e.wantArgs(args); err != nil {
				return err
			}
			if *format != config.FormatYAML && *format != config.FormatJSON {
				return usageErr("--format must be yaml or json, got %q", *format)
			}
			c, err := e.loadConfig()
			if err != nil {
				return err
			}
			return config.Preview(e.stdout, c, *format)
		}
	},
}
