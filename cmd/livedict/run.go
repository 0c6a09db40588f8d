package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// env is what a command runs with: its streams, its environment and the
// global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// environ is the process's environment, read once.
	environ []string
	g       globals
	// cmd is the command running, for messages.
	cmd *command
	// warned holds the variables warnEnv has warned about.
	warned map[string]bool
}

// globals are the flags every command takes, before or after its name.
type globals struct {
	config  string
	buckets stringList
	keyType string
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// command is one subcommand.
type command struct {
	name string
	// args is the synopsis after the name, such as "[flags] KEY VALUE".
	args    string
	summary string
	// help is the text shown by --help after the synopsis.
	help string
	// define registers the command's flags and returns the function that
	// runs it with the positional arguments.
	define func(fs *flag.FlagSet, e *env) func(ctx context.Context, args []string) error
}

// commandList holds every subcommand in the order help shows them. It is
// filled by init: help refers to it, so it cannot be initialised with it.
var commandList []*command

func init() {
	commandList = []*command{
		initCommand, configCommand, getCommand, setCommand, delCommand, keysCommand,
		statsCommand, rotateCommand, exportCommand, importCommand, snapshotCommand,
		restoreCommand, benchCommand, helpCommand,
	}
}

// commands returns every subcommand in the order help shows them.
func commands() []*command { return commandList }

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run runs the command line args (without the program name) and returns
// the exit code. Errors are written to stderr as one line each,
// "livedict: <command>: <message>"; nothing it prints holds key material.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, environ: os.Environ()}
	name := "" // the command's, once known
	defer func() {
		// A bug must not print a stack trace, which could hold values.
		if r := recover(); r != nil {
			fmt.Fprintln(stderr, errorLine(name, fmt.Errorf("internal error: %v", r)))
			code = exitRuntime
		}
	}()
	err := e.dispatch(ctx, args, &name)
	if err != nil && !errors.Is(err, errHelp) {
		fmt.Fprintln(stderr, errorLine(name, err))
	}
	return exitCode(err)
}

// errorLine formats err as the one line livedict prints for it.
func errorLine(name string, err error) string {
	if name == "" {
		return "livedict: " + oneLine(err.Error())
	}
	return "livedict: " + name + ": " + oneLine(err.Error())
}

// dispatch parses the global flags, finds the command and runs it; name
// is set to the command's name as soon as it is known.
func (e *env) dispatch(ctx context.Context, args []string, name *string) error {
	fs := e.newFlagSet("livedict")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			e.printOverview(e.stdout)
			return errHelp
		}
		return usageErr("%v (run livedict help)", err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageErr("no command given (run livedict help)")
	}
	c := lookup(rest[0])
	if c == nil {
		*name = oneLine(rest[0])
		return usageErr("unknown command (run livedict help)")
	}
	*name = c.name
	e.cmd = c
	cfs := e.newFlagSet(c.name)
	runCmd := c.define(cfs, e)
	pos, err := parseInterspersed(cfs, rest[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			e.printUsage(e.stdout, c, cfs)
			return errHelp
		}
		return usageErr("%v (run livedict %s --help)", err, c.name)
	}
	if e.g.keyType != "string" && e.g.keyType != "int" {
		return usageErr("--key-type must be string or int, got %q", e.g.keyType)
	}
	return runCmd(ctx, pos)
}

// newFlagSet returns a flag set holding the global flags, whose defaults
// are their current values, so that they may be given before or after
// the command's name.
func (e *env) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if e.g.config == "" {
		e.g.config = defaultConfigPath(e.environ)
	}
	if e.g.keyType == "" {
		e.g.keyType = "string"
	}
	fs.StringVar(&e.g.config, "config", e.g.config, "the configuration `FILE`, YAML or JSON by its extension ($"+configEnv+" when not given)")
	fs.Var(&e.g.buckets, "bucket", "`NAME` of the bucket to act on; repeat it where a command takes several (default: the default bucket, \"\")")
	fs.StringVar(&e.g.keyType, "key-type", e.g.keyType, "how keys are encoded: string or int (64-bit signed); must match the program that writes the store")
	return fs
}

// defaultConfigPath is $LIVEDICT_CONFIG, or livedict.yaml.
func defaultConfigPath(environ []string) string {
	for _, kv := range slices.Backward(environ) {
		if v, ok := strings.CutPrefix(kv, configEnv+"="); ok && v != "" {
			return v
		}
	}
	return "livedict.yaml"
}

// parseInterspersed parses fs from args, allowing flags after positional
// arguments ("set KEY VALUE --ttl 5m"), and returns the positional
// arguments. Everything after "--" is positional, and so is a negative
// number ("set n -1"), which no flag's name looks like.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(pos, args[i+1:]...), nil
		case len(a) < 2 || a[0] != '-' || isNegativeNumber(a):
			pos = append(pos, a)
			continue
		}
		// One flag, with its value when it takes one and it is not
		// written --name=value.
		n := 1
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := fs.Lookup(name); f != nil && !inline && !isBoolFlag(f) {
			n = 2
		}
		end := min(i+n, len(args))
		if err := fs.Parse(args[i:end]); err != nil {
			return nil, err
		}
		i = end - 1
	}
	return pos, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// isNegativeNumber reports whether a reads as a negative number, such as
// -1, -2.5 or -1e3.
func isNegativeNumber(a string) bool {
	if len(a) < 2 || a[0] != '-' || !(a[1] >= '0' && a[1] <= '9' || a[1] == '.') {
		return false
	}
	_, err := strconv.ParseFloat(a, 64)
	return err == nil
}

// oneBucket returns the bucket a single-bucket command acts on.
func (e *env) oneBucket() (string, error) {
	switch len(e.g.buckets) {
	case 0:
		return "", nil
	case 1:
		return e.g.buckets[0], nil
	}
	return "", usageErr("takes one --bucket, got %d", len(e.g.buckets))
}

// bucketKey checks that args are exactly names (the first being KEY) and
// returns the bucket to act on and the parsed key: the start of get, set
// and del.
func (e *env) bucketKey(args []string, names ...string) (bucket, key string, err error) {
	if err := e.wantArgs(args, names...); err != nil {
		return "", "", err
	}
	if bucket, err = e.oneBucket(); err != nil {
		return "", "", err
	}
	key, err = e.parseKey(args[0])
	return bucket, key, err
}

// wantArgs checks the number of positional arguments.
func (e *env) wantArgs(args []string, names ...string) error {
	if len(args) == len(names) {
		return nil
	}
	want := strings.Join(names, " ")
	if len(names) == 0 {
		return usageErr("takes no arguments, got %q", strings.Join(args, " "))
	}
	return usageErr("want %s, got %d argument(s) (run livedict %s --help)", want, len(args), e.cmd.name)
}
