package crypto

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
)

// Every type of this package that holds key material prints the same way
// under every fmt verb (%v %+v %#v %s %q %x %X %d ...), in slog and in
// JSON: a fixed description that never includes a key byte. Format takes
// precedence over String and GoString in package fmt, so the verbs cannot
// reach the fields.

const namerRedacted = "crypto.Namer(redacted)"

// LogValue returns "crypto.Key(redacted)", so slog never logs the key.
func (Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns the JSON string "crypto.Key(redacted)": a Key is
// never written out as JSON.
func (Key) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// String returns "crypto.Namer(redacted)".
func (*Namer) String() string { return namerRedacted }

// GoString returns "crypto.Namer(redacted)", so %#v hides the key too.
func (*Namer) GoString() string { return namerRedacted }

// Format writes "crypto.Namer(redacted)" for every verb, so no fmt verb
// prints the Namer's HMAC key.
func (*Namer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, namerRedacted) }

// LogValue returns "crypto.Namer(redacted)", so slog never logs the key.
func (*Namer) LogValue() slog.Value { return slog.StringValue(namerRedacted) }

// MarshalJSON returns the JSON string "crypto.Namer(redacted)".
func (*Namer) MarshalJSON() ([]byte, error) { return json.Marshal(namerRedacted) }

// GoString returns the same description as String: algorithm and key ids,
// never keys.
func (r *Keyring) GoString() string { return r.String() }

// Format writes the description String returns for every verb, so no fmt
// verb reaches the keys.
func (r *Keyring) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue returns the description String returns.
func (r *Keyring) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalJSON returns the description String returns as a JSON string.
func (r *Keyring) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }
