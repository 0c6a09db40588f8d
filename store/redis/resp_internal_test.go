package redis

import (
	"errors"
	"strings"
	"testing"
)

// scanAllAt feeds b to a fresh scanner in pieces cut at every multiple of
// step, and returns the first error.
func scanAllAt(lim replyLimits, b []byte, step int) (*respScanner, error) {
	sc := &respScanner{lim: lim}
	for len(b) > 0 {
		n := min(step, len(b))
		if err := sc.scan(b[:n]); err != nil {
			return sc, err
		}
		b = b[n:]
	}
	return sc, nil
}

var testLimits = replyLimits{maxBulk: 64, maxElems: 16, maxDepth: 4, maxLine: 32}

func TestRespScanner(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool // accepted
		done bool // and every value complete
	}{
		{"+OK\r\n", true, true},
		{"$3\r\nabc\r\n", true, true},
		{"$-1\r\n*-1\r\n_\r\n", true, true},
		{"*2\r\n$1\r\na\r\n:5\r\n", true, true},
		{"%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n#t\r\n", true, true},
		{"|1\r\n+k\r\n+v\r\n+reply\r\n", true, true},
		{"*3\r\n$1\r\na\r\n", true, false},
		{"*0\r\n%0\r\n~0\r\n", true, true},
		{"$64\r\n" + strings.Repeat("x", 64) + "\r\n", true, true},
		{"$65\r\n", false, false},
		{"*17\r\n", false, false},
		{"%9\r\n", false, false},
		{"*8\r\n*8\r\n*1\r\n", false, false}, // 17 open elements
		{"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n", false, false},
		{"+" + strings.Repeat("a", 40) + "\r\n", false, false},
		{"$-2\r\n", false, false},
		{"$-0\r\n", false, false},
		{"$\r\n", false, false},
		{"$+1\r\n", false, false},
		{"$?\r\n", false, false},
		{"$1x\r\n", false, false},
		{"$1\rx", false, false},
		{"GET / HTTP/1.1\r\n", false, false},
		{"$9223372036854775807\r\n", false, false},
	} {
		for _, step := range []int{1, 2, 3, 1 << 20} {
			sc, err := scanAllAt(testLimits, []byte(tc.in), step)
			if tc.ok != (err == nil) {
				t.Errorf("scan(%q) in pieces of %d = %v, want accepted %v", tc.in, step, err, tc.ok)
				continue
			}
			if err != nil && !errors.Is(err, ErrBadReply) {
				t.Errorf("scan(%q) = %v, want an error matching ErrBadReply", tc.in, err)
			}
			if done := sc.state == stType && len(sc.stack) == 0; err == nil && done != tc.done {
				t.Errorf("scan(%q): complete = %v, want %v", tc.in, done, tc.done)
			}
		}
	}
}

// FuzzRespScanner feeds arbitrary bytes to the scanner whole and cut into
// pieces: it never panics, the cut never changes the verdict or the state
// reached, and what it accepts stays within its limits.
func FuzzRespScanner(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "$3\r\nabc\r\n", "*2\r\n$1\r\na\r\n:5\r\n", "%1\r\n+a\r\n*1\r\n_\r\n",
		"|1\r\n+k\r\n+v\r\n+r\r\n", ">2\r\n+m\r\n+x\r\n", "$9223372036854775806\r\n", "*4294967296\r\n",
	} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		whole, werr := scanAllAt(testLimits, b, len(b)+1)
		cut, cerr := scanAllAt(testLimits, b, int(step%16)+1)
		if (werr == nil) != (cerr == nil) {
			t.Fatalf("whole: %v, cut: %v", werr, cerr)
		}
		if werr != nil {
			if !errors.Is(werr, ErrBadReply) {
				t.Fatalf("error %v does not match ErrBadReply", werr)
			}
			return
		}
		if whole.state != cut.state || len(whole.stack) != len(cut.stack) || whole.open != cut.open || whole.skip != cut.skip {
			t.Fatalf("whole and cut scans disagree: %+v vs %+v", *whole, *cut)
		}
		var open int64
		for _, fr := range whole.stack {
			open += fr.declared
		}
		if open != whole.open || open > testLimits.maxElems || len(whole.stack) > testLimits.maxDepth || whole.skip > testLimits.maxBulk+2 {
			t.Fatalf("state past the limits: %+v", *whole)
		}
	})
}

// BenchmarkRespScanner measures the scanner on the replies a Store reads
// most: pages of small GET replies and large bulk values.
func BenchmarkRespScanner(b *testing.B) {
	small := []byte(strings.Repeat("$40\r\n"+strings.Repeat("v", 40)+"\r\n", 128))
	large := []byte("$1048576\r\n" + strings.Repeat("v", 1<<20) + "\r\n")
	lim := newReplyLimits(DefaultMaxValueSize)
	for _, bc := range []struct {
		name string
		in   []byte
	}{{"128x40B", small}, {"1MiB", large}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.in)))
			b.ReportAllocs()
			for b.Loop() {
				sc := respScanner{lim: lim}
				for p := bc.in; len(p) > 0; {
					n := min(len(p), 4096) // go-redis reads through a bufio.Reader
					if err := sc.scan(p[:n]); err != nil {
						b.Fatal(err)
					}
					p = p[n:]
				}
			}
		})
	}
}
