package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

var helpCommand = &command{
	name:    "help",
	args:    "[COMMAND]",
	summary: "show help for livedict or one of its commands",
	help:    "With a command name, shows that command's usage, as COMMAND --help does.",
	define: func(fs *flag.FlagSet, e *env) func(context.Context, []string) error {
		return func(_ context.Context, args []string) error {
			switch len(args) {
			case 0:
				e.printOverview(e.stdout)
				return nil
			case 1:
				c := lookup(args[0])
				if c == nil {
					return usageErr("unknown command %q", args[0])
				}
				cfs := e.newFlagSet(c.name)
				c.define(cfs, e)
				e.printUsage(e.stdout, c, cfs)
				return nil
			}
			return usageErr("takes at most one command name")
		}
	},
}

const exitCodesHelp = `Exit codes:
  0  success
  1  runtime error (backend, file, data, or records still under a key being retired)
  2  usage error (unknown command or flag, wrong arguments)
  3  configuration error (file missing or invalid, bad LIVEDICT_ variable,
     unreadable key, backend scheme not in this build)
  4  get: the key has no live value
  5  keys, export: completed, but skipped records that could not be read
     (each named on stderr by bucket and storage name; see del --storage-name)
`

const envHelp = `Environment:
  LIVEDICT_CONFIG  the configuration file when --config is not given
  LIVEDICT_*       override the file's settings (docs/configuration.md lists them);
                   a near miss of a setting (LIVEDICT_MAX_KEY) is a configuration
                   error, any other unknown LIVEDICT_ variable a warning on stderr
  LIVEDICT_STRICT_ENV=true  makes every unknown LIVEDICT_ variable an error
`

// printOverview writes `livedict help`.
func (e *env) printOverview(w io.Writer) {
	fmt.Fprint(w, `livedict operates LiveDict stores: writes their configuration, reads and
writes entries, rotates encryption keys, exports and imports records,
writes and restores snapshots.

Usage:
  livedict [global flags] COMMAND [flags] [arguments]

Commands:
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, `
Global flags (before or after the command):
  --config PATH      configuration file (default livedict.yaml, or $LIVEDICT_CONFIG)
  --bucket NAME      bucket to act on (default: the default bucket, "")
  --key-type TYPE    string (default) or int: how the store's keys are encoded

Run "livedict COMMAND --help" for a command's flags. Every error is one line
on stderr: "livedict: COMMAND: message". Flags may follow arguments; put
arguments that start with "-" after "--".

`)
	fmt.Fprint(w, exitCodesHelp)
	fmt.Fprint(w, "\n"+envHelp)
}

// printUsage writes a command's --help.
func (e *env) printUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: livedict %s %s\n\n%s\n\n", c.name, c.args, strings.TrimSpace(c.help))
	fmt.Fprintln(w, "Flags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(w, "\n"+exitCodesHelp)
}
