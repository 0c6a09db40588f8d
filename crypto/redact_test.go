package crypto

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

// redactVerbs are the fmt verbs every key-holding type is printed with.
var redactVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"}

// renderings returns v printed under every verb, logged by slog's text and
// JSON handlers, and marshalled to JSON, each labelled.
func renderings(t *testing.T, v any) map[string]string {
	t.Helper()
	out := make(map[string]string)
	for _, verb := range redactVerbs {
		if verb == "%T %v" {
			out[verb] = fmt.Sprintf(verb, v, v)
			continue
		}
		out[verb] = fmt.Sprintf(verb, v)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", v)
	out["slog text"], out["slog json"] = text.String(), js.String()
	if b, err := json.Marshal(v); err == nil {
		out["json"] = string(b)
	}
	return out
}

// leaksBytes reports whether s holds b, or its first 8 bytes, raw or in a
// common text encoding.
func leaksBytes(s string, b []byte) bool {
	if bytes.Contains([]byte(s), b[:8]) || containsEncoded(s, b) {
		return true
	}
	h := hex.EncodeToString(b[:8])
	return strings.Contains(s, h) || strings.Contains(s, strings.ToUpper(h)) || strings.Contains(s, fmt.Sprint(b[:8])[1:20])
}

// No type of this package that holds key material shows a byte of it
// under any fmt verb, in slog or in JSON, whether printed through a
// pointer, by value (even a copy made through reflection), or as a field.
// Before the fix *Namer printed its HMAC key under %v.
func TestNoKeyMaterialPrinted(t *testing.T) {
	k := fixedKey(t, 0x41)
	kraw := k.raw()
	nameKey, err := hkdf.Key(sha256.New, kraw[:], nil, nameInfo, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	n := NewNamer(k)
	ring := newRing(t, AES256GCM, 7, 0x41)
	k2 := fixedKey(t, 0x61)
	if err := ring.Add(9, k2); err != nil {
		t.Fatal(err)
	}
	k2raw := k2.raw()
	secrets := [][]byte{kraw[:], nameKey, k2raw[:]}
	type exported struct {
		K Key
		N *Namer
		R *Keyring
	}
	values := map[string]any{
		"Key":                k,
		"*Key":               &k,
		"*Namer":             n,
		"Namer (by value)":   reflect.ValueOf(n).Elem().Interface(),
		"*Keyring":           ring,
		"Keyring (by value)": reflect.ValueOf(ring).Elem().Interface(),
		"struct of them":     exported{k, n, ring},
		"*struct of them":    &exported{k, n, ring},
		"slice of them":      []any{k, n, ring},
		"map of them":        map[string]any{"k": k, "n": n, "r": ring},
	}
	for name, v := range values {
		for how, s := range renderings(t, v) {
			for i, secret := range secrets {
				if leaksBytes(s, secret) {
					t.Errorf("%s under %s shows secret %d: %s", name, how, i, s)
				}
			}
		}
	}
	// The descriptions are the documented ones.
	for v, want := range map[any]string{k: "crypto.Key(redacted)", n: "crypto.Namer(redacted)"} {
		if got := fmt.Sprintf("%x", v); got != want {
			t.Errorf("%%x of %T = %q, want %q", v, got, want)
		}
	}
}
