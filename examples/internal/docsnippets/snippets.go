// Package docsnippets checks that the Go code in README.md and docs/*.md
// compiles against the current API, so that the documentation breaks the
// build when the API changes.
//
// Every ```go block is compiled, in a package of its own, unless a marker
// comment on the line just before it says otherwise:
//
//	<!-- snippet: fragment -->          statements, the body of a function returning
//	                                    err error (the default)
//	<!-- snippet: decls -->             top-level declarations
//	<!-- snippet: file -->              a whole file, package clause included
//	<!-- snippet: excerpt PATH -->      lines quoted from PATH (relative to the
//	                                    repository root): each non-blank line of
//	                                    the block must appear in PATH, in order
//	                                    (comment lines are prose: not checked)
//
// A fragment or decls marker may end with "given DECLS": top-level Go
// declarations the block assumes (`given var ctx context.Context; type
// Session struct{}`). Imports are added for the package names a block uses
// (see packages); a block may also start with its own import declaration.
package docsnippets

import (
	"bufio"
	"fmt"
	"go/scanner"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strings"
)

// packages maps the package names snippets may use to their import paths.
var packages = map[string]string{
	"binary":   "encoding/binary",
	"bytes":    "bytes",
	"context":  "context",
	"crc32":    "hash/crc32",
	"errors":   "errors",
	"filepath": "path/filepath",
	"fmt":      "fmt",
	"io":       "io",
	"iter":     "iter",
	"json":     "encoding/json",
	"log":      "log",
	"os":       "os",
	"slog":     "log/slog",
	"strings":  "strings",
	"sync":     "sync",
	"testing":  "testing",
	"time":     "time",

	"livedict":  "github.com/livedict/livedict",
	"codec":     "github.com/livedict/livedict/codec",
	"config":    "github.com/livedict/livedict/config",
	"crypto":    "github.com/livedict/livedict/crypto",
	"layer":     "github.com/livedict/livedict/layer",
	"layertest": "github.com/livedict/livedict/layer/layertest",
	"store":     "github.com/livedict/livedict/store",
	"storetest": "github.com/livedict/livedict/store/storetest",
	"badger":    "github.com/livedict/livedict/store/badger",
	"redis":     "github.com/livedict/livedict/store/redis",
	"fleet":     "github.com/livedict/livedict/store/redis/fleet",
	"otel":      "github.com/livedict/livedict/otel",
	"sqlite":    "github.com/livedict/livedict/store/sqlite",
}

// Snippet is one ```go block of a Markdown file.
type Snippet struct {
	File  string // the Markdown file
	Line  int    // line of the first line of code
	Mode  string // fragment, decls, file or excerpt
	Arg   string // excerpt: the quoted file
	Given string // declarations the block assumes
	Code  string
}

func (s Snippet) String() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

var markerRE = regexp.MustCompile(`^<!--\s*snippet:\s*(fragment|decls|file|excerpt\s+\S+)?\s*(?:given\s+(.*?))?\s*-->$`)

// Extract returns the ```go blocks of the Markdown file at path. A marker
// that does not parse is an error, so a typo cannot silently skip a block.
func Extract(path string) ([]Snippet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out     []Snippet
		cur     *Snippet
		code    strings.Builder
		prev    string
		lineNum int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNum++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if cur != nil {
			if trimmed == "```" {
				cur.Code = code.String()
				out = append(out, *cur)
				cur = nil
				code.Reset()
			} else {
				code.WriteString(line)
				code.WriteByte('\n')
			}
			continue
		}
		if trimmed == "```go" {
			cur = &Snippet{File: path, Line: lineNum + 1, Mode: "fragment"}
			if strings.HasPrefix(prev, "<!--") && strings.Contains(prev, "snippet:") {
				m := markerRE.FindStringSubmatch(prev)
				if m == nil {
					return nil, fmt.Errorf("%s:%d: marker %q does not parse", path, lineNum-1, prev)
				}
				if m[1] != "" {
					mode, arg, _ := strings.Cut(m[1], " ")
					cur.Mode, cur.Arg = mode, strings.TrimSpace(arg)
				}
				cur.Given = m[2]
			}
		}
		if trimmed != "" {
			prev = trimmed
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: the block starting at line %d is not closed", path, cur.Line)
	}
	return out, sc.Err()
}

// Source returns the Go file that compiles s as package pkg.
func (s Snippet) Source(pkg string) (string, error) {
	body := s.Code
	line := s.Line
	if s.Mode == "file" {
		return fmt.Sprintf("//line %s:%d\n%s", s.File, line, body), nil
	}
	var ownImports string
	if strings.HasPrefix(strings.TrimSpace(body), "import") {
		ownImports, body, line = splitImports(body, line)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	b.WriteString(ownImports)
	b.WriteString("\n")
	for _, path := range usedPackages(s.Given+"\n"+body, ownImports) {
		fmt.Fprintf(&b, "import %q\n", path)
	}
	if s.Given != "" {
		fmt.Fprintf(&b, "\n%s\n", s.Given)
	}
	switch s.Mode {
	case "fragment":
		// A fragment may return an error, as the body of a function that
		// returns one.
		fmt.Fprintf(&b, "\nfunc _() (err error) {\n//line %s:%d\n%s\treturn\n}\n", s.File, line, body)
	case "decls":
		fmt.Fprintf(&b, "\n//line %s:%d\n%s", s.File, line, body)
	default:
		return "", fmt.Errorf("%v: mode %q has no source", s, s.Mode)
	}
	return b.String(), nil
}

// splitImports cuts a leading import declaration off body.
func splitImports(body string, line int) (imports, rest string, restLine int) {
	lines := strings.SplitAfter(body, "\n")
	end := 1 // import "x" on one line
	if strings.HasSuffix(strings.TrimSpace(lines[0]), "(") {
		for end = 1; end < len(lines); end++ {
			if strings.TrimSpace(lines[end-1]) == ")" {
				break
			}
		}
	}
	return strings.Join(lines[:end], ""), strings.Join(lines[end:], ""), line + end
}

// usedPackages returns the import paths of the known package names that
// code uses as qualifiers (name.Ident), leaving out those already imported.
func usedPackages(code, imported string) []string {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	sc.Init(file, []byte(code), nil, 0)
	var paths []string
	var prev token.Token
	var pending string
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		switch {
		case pending != "" && tok == token.PERIOD:
			if p := packages[pending]; p != "" && !strings.Contains(imported, `"`+p+`"`) && !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
			pending = ""
		case tok == token.IDENT && prev != token.PERIOD:
			pending = lit
		default:
			pending = ""
		}
		prev = tok
	}
	slices.Sort(paths)
	return paths
}

// CheckExcerpt reports the first line of s that does not appear, in order,
// in the quoted file's text.
func (s Snippet) CheckExcerpt(text string) error {
	var src []string
	for l := range strings.SplitSeq(text, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			src = append(src, t)
		}
	}
	at := 0
	for i, l := range strings.Split(s.Code, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		j := slices.Index(src[at:], t)
		if j < 0 {
			return fmt.Errorf("%s:%d: %q is not in %s (after the lines quoted before it)", s.File, s.Line+i, t, s.Arg)
		}
		at += j + 1
	}
	return nil
}
