package layer_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

// Neither the encrypt layer's options nor its stage show a byte of a key
// (the keyring's, the NameKey or the naming key derived from it) under any
// fmt verb, in slog or in JSON, through a pointer or by value.
func TestEncryptPrintsNoKey(t *testing.T) {
	ring := newRing(t)
	opts := encryptOptions(t, ring)
	enc, _ := newEncrypted(t, ring)
	var secrets [][]byte
	for _, h := range []string{testKey1, testNameKey} {
		b, _ := hex.DecodeString(h)
		secrets = append(secrets, b)
	}
	nameKey, err := hkdf.Key(sha256.New, secrets[1], nil, "livedict name v1", sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, nameKey)
	values := map[string]any{
		"EncryptOptions":          opts,
		"*EncryptOptions":         &opts,
		"*EncryptStage":           enc,
		"EncryptStage (by value)": reflect.ValueOf(enc).Elem().Interface(),
	}
	for name, v := range values {
		for how, s := range renderAll(v) {
			for i, secret := range secrets {
				if leaks(s, secret) {
					t.Errorf("%s under %s shows secret %d: %.300s", name, how, i, s)
				}
			}
		}
	}
	if got := fmt.Sprintf("%x", enc); got != "layer.EncryptStage(redacted)" {
		t.Errorf("%%x of *EncryptStage = %q", got)
	}
}

// renderAll prints v under every fmt verb, through slog's handlers and as
// JSON.
func renderAll(v any) map[string]string {
	out := make(map[string]string)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
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

// leaks reports whether s holds b or its first 8 bytes, raw, in hex, in
// base64 or as Go's byte-list syntax.
func leaks(s string, b []byte) bool {
	needles := []string{
		string(b[:8]), hex.EncodeToString(b[:8]), strings.ToUpper(hex.EncodeToString(b[:8])),
		base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		strings.Trim(fmt.Sprint(b[:8]), "[]"), fmt.Sprintf("%#v", b[:8])[len("[]byte{"):40],
	}
	for _, n := range needles {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}
