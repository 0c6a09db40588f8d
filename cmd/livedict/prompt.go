package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// errAborted is returned when the user ends the wizard's input.
var errAborted = errors.New("aborted: nothing was written")

// isTerminal reports whether r is a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// prompter asks questions on a terminal and reads the answers, one line
// each.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
}

// ask shows label and def, reads an answer (an empty one is def) and
// gives it to check, asking again with check's reason until check
// accepts it. End of input aborts.
func (p *prompter) ask(label, def string, check func(string) error) (string, error) {
	for {
		if def != "" {
			fmt.Fprintf(p.out, "%s [%s]: ", label, def)
		} else {
			fmt.Fprintf(p.out, "%s: ", label)
		}
		line, err := p.in.ReadString('\n')
		if err != nil && (!errors.Is(err, io.EOF) || line == "") {
			fmt.Fprintln(p.out)
			if errors.Is(err, io.EOF) {
				return "", errAborted
			}
			return "", err
		}
		answer := strings.TrimSpace(line)
		if answer == "" {
			answer = def
		}
		if cerr := check(answer); cerr != nil {
			fmt.Fprintf(p.out, "  invalid: %s; try again\n", oneLine(cerr.Error()))
			if err != nil { // the last line had no newline: nothing more comes
				return "", errAborted
			}
			continue
		}
		return answer, nil
	}
}

// choice returns a check accepting one of options.
func choice(options ...string) func(string) error {
	return func(s string) error {
		for _, o := range options {
			if s == o {
				return nil
			}
		}
		return fmt.Errorf("want one of %s", strings.Join(options, ", "))
	}
}

// yesNo reads yes or no (y, n).
func yesNo(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "y", "yes":
		return true, nil
	case "n", "no":
		return false, nil
	}
	return false, errors.New("want yes or no")
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
