package docsnippets

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the repository root, three levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "modules.txt")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

// docs lists README.md and every docs/*.md.
func docs(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join(root, "README.md")}, files...)
}

// tempModule creates a module in a temporary directory with the examples
// module's requirements (and so every backend), its replacements made
// absolute, so that snippets compile against the working tree.
func tempModule(t *testing.T, root string) string {
	t.Helper()
	dir := t.TempDir()
	examples := filepath.Join(root, "examples")
	mod, err := os.ReadFile(filepath.Join(examples, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(string(mod), "module docsnippets.test")
	text = regexp.MustCompile(`=> (\.\.?/\S*)`).ReplaceAllStringFunc(text, func(m string) string {
		return "=> " + filepath.Join(examples, strings.TrimPrefix(m, "=> "))
	})
	sum, err := os.ReadFile(filepath.Join(examples, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"go.mod": text, "go.sum": string(sum)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// writeSnippets writes each snippet as a package of its own under dir.
func writeSnippets(t *testing.T, dir string, snippets []Snippet) {
	t.Helper()
	for i, s := range snippets {
		pkg := fmt.Sprintf("snip%03d", i)
		src, err := s.Source(pkg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, pkg), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, pkg, "snippet.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// vet runs go vet over every package of the module in dir.
func vet(dir string) (string, error) {
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestDocSnippetsCompile compiles every Go block of README.md and docs/
// (go vet, so vet's checks apply too) and checks every excerpt against the
// file it quotes.
func TestDocSnippetsCompile(t *testing.T) {
	root := repoRoot(t)
	var compiled []Snippet
	for _, path := range docs(t, root) {
		snippets, err := Extract(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range snippets {
			if s.Mode != "excerpt" {
				compiled = append(compiled, s)
				continue
			}
			text, err := os.ReadFile(filepath.Join(root, s.Arg))
			if err != nil {
				t.Errorf("%v: excerpt of %s: %v", s, s.Arg, err)
				continue
			}
			if err := s.CheckExcerpt(string(text)); err != nil {
				t.Error(err)
			}
		}
	}
	if len(compiled) == 0 {
		t.Fatal("no Go blocks found in README.md and docs/")
	}
	dir := tempModule(t, root)
	writeSnippets(t, dir, compiled)
	if out, err := vet(dir); err != nil {
		t.Fatalf("the documentation's Go blocks do not compile (%v):\n%s", err, out)
	}
	t.Logf("%d blocks compiled", len(compiled))
}

// TestBrokenSnippetFails shows that the check can fail, and that it names
// the Markdown file and line of the mistake.
func TestBrokenSnippetFails(t *testing.T) {
	root := repoRoot(t)
	md := filepath.Join(t.TempDir(), "broken.md")
	doc := "# Broken\n\n<!-- snippet: given var s *livedict.Store[string, int] -->\n```go\nn, ok := s.Get(\"k\")\n```\n"
	if err := os.WriteFile(md, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	snippets, err := Extract(md)
	if err != nil {
		t.Fatal(err)
	}
	dir := tempModule(t, root)
	writeSnippets(t, dir, snippets)
	out, err := vet(dir)
	if err == nil {
		t.Fatal("a block with unused variables compiled")
	}
	if want := "broken.md:5"; !strings.Contains(out, want) || !strings.Contains(out, "declared and not used") {
		t.Fatalf("the error does not point at %s with the compiler's reason:\n%s", want, out)
	}
}

func TestExtractMarkers(t *testing.T) {
	md := filepath.Join(t.TempDir(), "m.md")
	doc := strings.Join([]string{
		"```go", "x := 1", "```",
		"<!-- snippet: decls given type T int -->", "", "```go", "var y T", "```",
		"<!-- snippet: excerpt layer/layer.go -->", "```go", "type Layer func(next store.Stage) store.Stage", "```",
		"<!-- snippet: nonsense -->", "```go", "```",
	}, "\n")
	if err := os.WriteFile(md, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Extract(md); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Fatalf("a bad marker gave %v, want a parse error", err)
	}
	doc = doc[:strings.Index(doc, "<!-- snippet: nonsense")]
	if err := os.WriteFile(md, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Extract(md)
	if err != nil {
		t.Fatal(err)
	}
	want := []Snippet{
		{File: md, Line: 2, Mode: "fragment", Code: "x := 1\n"},
		{File: md, Line: 7, Mode: "decls", Given: "type T int", Code: "var y T\n"},
		{File: md, Line: 11, Mode: "excerpt", Arg: "layer/layer.go", Code: "type Layer func(next store.Stage) store.Stage\n"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 3 || got[1] != want[1] || got[2] != want[2] || got[0] != want[0] {
		t.Fatalf("Extract = %+v\nwant %+v", got, want)
	}
	if err := got[2].CheckExcerpt("package layer\n\ntype Layer func(next store.Stage) store.Stage\n"); err != nil {
		t.Fatal(err)
	}
	if err := got[2].CheckExcerpt("package layer\n"); err == nil {
		t.Fatal("an excerpt missing from its file passed")
	}
}

func TestUsedPackages(t *testing.T) {
	code := "// fmt.Println in a comment\ns := \"os.Exit\"\nx := time.Second\ny := a.time.B\nstore.Set(k)"
	got := usedPackages(code, `"github.com/livedict/livedict/store"`)
	if fmt.Sprint(got) != "[time]" {
		t.Fatalf("usedPackages = %v, want [time]", got)
	}
}
