package crypto

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyNeverPrinted(t *testing.T) {
	k := fixedKey(t, 0xa0)
	for _, s := range []string{
		fmt.Sprintf("%v %+v %#v %s", k, k, k, k),
		fmt.Sprintf("%x %X %q %d", k, k, k, k),
		fmt.Sprintf("%v %#v", &k, []Key{k}),
		fmt.Sprintf("%+v", struct{ K Key }{k}),
		k.String(), k.GoString(),
	} {
		if leaksKey(s, k) {
			t.Fatalf("formatted key leaks its bytes: %q", s)
		}
		if !strings.Contains(s, "crypto.Key(redacted)") {
			t.Fatalf("formatted key %q is not redacted", s)
		}
	}
	r, err := NewKeyring(AES256GCM, 1, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{r.String(), fmt.Sprintf("%v %+v", r, r)} {
		if leaksKey(s, k) {
			t.Fatalf("keyring string leaks the key: %q", s)
		}
	}
}

func TestKeyFromText(t *testing.T) {
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(0xf0 - i)
	}
	want, err := NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	hexKey := hex.EncodeToString(raw)
	tests := []struct {
		name  string
		parse func(string) (Key, error)
		in    string
		ok    bool
	}{
		{"hex", KeyFromHex, hexKey, true},
		{"hex upper, spaces", KeyFromHex, "  " + strings.ToUpper(hexKey) + "\n", true},
		{"hex short", KeyFromHex, hexKey[:62], false},
		{"hex bad digit", KeyFromHex, "zz" + hexKey[2:], false},
		{"hex of base64", KeyFromHex, base64.StdEncoding.EncodeToString(raw), false},
		{"base64 std", KeyFromBase64, base64.StdEncoding.EncodeToString(raw), true},
		{"base64 raw std", KeyFromBase64, base64.RawStdEncoding.EncodeToString(raw), true},
		{"base64 url", KeyFromBase64, base64.URLEncoding.EncodeToString(raw), true},
		{"base64 raw url", KeyFromBase64, base64.RawURLEncoding.EncodeToString(raw), true},
		{"base64 16 bytes", KeyFromBase64, base64.StdEncoding.EncodeToString(raw[:16]), false},
		{"base64 garbage", KeyFromBase64, "!!!!", false},
		{"base64 empty", KeyFromBase64, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := tc.parse(tc.in)
			if !tc.ok {
				if !errors.Is(err, ErrBadKey) {
					t.Fatalf("got %v, want ErrBadKey", err)
				}
				if in := strings.TrimSpace(tc.in); in != "" && strings.Contains(err.Error(), in[:4]) {
					t.Fatalf("error %q echoes the input", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !k.equal(want) {
				t.Fatal("decoded the wrong key")
			}
		})
	}
}

func TestKeyFromEnvAndFile(t *testing.T) {
	raw := make([]byte, KeySize)
	for i := range raw {
		raw[i] = byte(i * 7)
	}
	want, _ := NewKey(raw)
	const env = "LIVEDICT_CRYPTO_TEST_KEY"
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	envCase := func(v string) func(*testing.T) (Key, error) {
		return func(t *testing.T) (Key, error) {
			t.Setenv(env, v)
			return KeyFromEnv(env)
		}
	}
	fileCase := func(p string) func(*testing.T) (Key, error) {
		return func(*testing.T) (Key, error) { return KeyFromFile(p) }
	}
	tests := []struct {
		name string
		load func(*testing.T) (Key, error)
		ok   bool
	}{
		{"env hex", envCase(hex.EncodeToString(raw)), true},
		{"env base64", envCase(base64.StdEncoding.EncodeToString(raw)), true},
		{"env raw url base64", envCase(base64.RawURLEncoding.EncodeToString(raw) + "\n"), true},
		{"env empty", envCase(""), false},
		{"env too short", envCase(hex.EncodeToString(raw[:31])), false},
		{"env unset", func(*testing.T) (Key, error) { return KeyFromEnv("LIVEDICT_CRYPTO_TEST_UNSET") }, false},
		{"file raw", fileCase(file("raw", raw)), true},
		{"file hex", fileCase(file("hex", []byte(hex.EncodeToString(raw)+"\n"))), true},
		{"file base64", fileCase(file("b64", []byte(" "+base64.StdEncoding.EncodeToString(raw)+"\r\n"))), true},
		{"file 31 raw bytes", fileCase(file("short", raw[:31])), false},
		{"file empty", fileCase(file("empty", nil)), false},
		{"file missing", fileCase(filepath.Join(dir, "missing")), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := tc.load(t)
			if !tc.ok {
				if !errors.Is(err, ErrBadKey) {
					t.Fatalf("got %v, want ErrBadKey", err)
				}
				if !strings.HasPrefix(err.Error(), "crypto: ") {
					t.Fatalf("error %q lacks the crypto: prefix", err)
				}
				if leaksKey(err.Error(), want) {
					t.Fatalf("error %q leaks key material", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !k.equal(want) {
				t.Fatal("loaded the wrong key")
			}
		})
	}
}

func TestNewKeyAndGenerate(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewKey(make([]byte, n)); !errors.Is(err, ErrBadKey) {
			t.Fatalf("NewKey(%d bytes): %v, want ErrBadKey", n, err)
		}
	}
	b := make([]byte, KeySize)
	k, err := NewKey(b)
	if err != nil {
		t.Fatal(err)
	}
	b[0] = 1 // NewKey must have copied
	if k.raw()[0] != 0 {
		t.Fatal("NewKey kept a reference to its argument")
	}
	k1, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if k1.equal(k2) {
		t.Fatal("two generated keys are equal")
	}
}
