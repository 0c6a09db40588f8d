package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/livedict/livedict/crypto"
)

// The export format is JSON lines, one record per line:
//
//	{"bucket":"sessions","key":"user:42","value":{"name":"Ada"},"expire_at":"2030-01-02T15:04:05.123Z","raw":"gaRuYW1lo0FkYQ","codec":"msgpack"}
//
// key is a JSON string, or a number with --key-type int; value is any JSON
// value; expire_at is RFC 3339 (with fractional seconds) in UTC, or null
// for a record that never expires. raw, which export always writes, is
// the value's bytes as the codec named by codec encoded them, in base64:
// the exact value, where the JSON rendering may lose what JSON cannot
// hold (a msgpack time, a binary string, an integer past 2^63). Import
// writes raw as it is, after checking that the store uses the same codec
// and that value still renders it (an edited value is refused rather
// than dropped); a line without raw is imported from its value. A gob
// store's values have no rendering: value is null. A sealed record (export --sealed) is
// the backend's record below encryption, never decrypted:
//
//	{"bucket":"sessions","key":"<64 hex digits: the storage name>","value":"<base64 of the sealed blob>","expire_at":null,"sealed":true}

// line is one record of the export format.
type line struct {
	Bucket   *string         `json:"bucket"`
	Key      json.RawMessage `json:"key"`
	Value    json.RawMessage `json:"value"`
	ExpireAt *string         `json:"expire_at"`
	Sealed   bool            `json:"sealed,omitempty"`
	Raw      *string         `json:"raw,omitempty"`
	Codec    string          `json:"codec,omitempty"`
}

// errBadLine is matched by every error parseLine returns.
var errBadLine = errors.New("bad record")

func badLine(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadLine, fmt.Sprintf(format, args...))
}

// parsedRecord is a line after checking: for a plain record, key is the
// CLI's key text and value the decoded value; for a sealed one, key is
// the storage name and blob the sealed bytes.
type parsedRecord struct {
	bucket   string
	key      string
	value    any
	blob     []byte
	expireAt time.Time
	// raw and codec are a plain record's exact value and its codec, when
	// the line has them; valueJSON is the line's value as written.
	raw       []byte
	codec     string
	valueJSON []byte
}

// parseLine checks one line of the export format. keyType is "string" or
// "int"; sealed says which kind of record the import expects. It never
// panics, whatever the bytes (FuzzParseLine).
func parseLine(data []byte, keyType string, sealed bool) (parsedRecord, error) {
	var l line
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return parsedRecord{}, badLine("not a JSON object of the export format: %s", jsonReason(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return parsedRecord{}, badLine("more than one JSON value on the line")
	}
	switch {
	case l.Bucket == nil:
		return parsedRecord{}, badLine("missing field bucket")
	case l.Key == nil:
		return parsedRecord{}, badLine("missing field key")
	case l.Value == nil:
		return parsedRecord{}, badLine("missing field value")
	case l.Sealed && !sealed:
		return parsedRecord{}, badLine("a sealed record (written by export --sealed): import it with import --sealed")
	case !l.Sealed && sealed:
		return parsedRecord{}, badLine("not a sealed record: import --sealed takes what export --sealed writes")
	case sealed && (l.Raw != nil || l.Codec != ""):
		return parsedRecord{}, badLine("a sealed record has no raw or codec field")
	case l.Raw != nil && l.Codec == "":
		return parsedRecord{}, badLine("raw without codec: the codec that wrote raw must be named")
	case l.Raw == nil && l.Codec != "":
		return parsedRecord{}, badLine("codec without raw")
	}
	r := parsedRecord{bucket: *l.Bucket}
	if l.ExpireAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *l.ExpireAt)
		if err != nil {
			return parsedRecord{}, badLine("expire_at: want RFC 3339 time such as 2030-01-02T15:04:05Z, or null")
		}
		if t.IsZero() || t.Unix() <= 0 {
			return parsedRecord{}, badLine("expire_at: must be after 1970-01-01T00:00:00Z, or null for no expiry")
		}
		r.expireAt = t
	}
	if sealed {
		return r, parseSealed(&r, l)
	}
	return r, parsePlain(&r, l, keyType)
}

func parsePlain(r *parsedRecord, l line, keyType string) error {
	if keyType == "int" {
		if k := bytes.TrimSpace(l.Key); len(k) > 0 && k[0] == '"' {
			return badLine("key: want an integer with --key-type int, not a string")
		}
		var n json.Number
		d := json.NewDecoder(bytes.NewReader(l.Key))
		d.UseNumber()
		if err := d.Decode(&n); err != nil {
			return badLine("key: want an integer with --key-type int")
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return badLine("key: want a 64-bit integer with --key-type int")
		}
		r.key = strconv.FormatInt(i, 10)
	} else if err := json.Unmarshal(l.Key, &r.key); err != nil {
		return badLine("key: want a JSON string (or --key-type int for integer keys)")
	}
	v, err := fromJSON(l.Value)
	if err != nil {
		return badLine("value: %s", jsonReason(err))
	}
	r.value = v
	r.valueJSON = l.Value
	if l.Raw != nil {
		raw, err := base64.StdEncoding.DecodeString(*l.Raw)
		if err != nil {
			return badLine("raw: not base64")
		}
		r.raw, r.codec = raw, l.Codec
	}
	return nil
}

func parseSealed(r *parsedRecord, l line) error {
	var name, b64 string
	if err := json.Unmarshal(l.Key, &name); err != nil || !isStorageName(name) {
		return badLine("key: want the storage name, 64 lowercase hex digits")
	}
	if err := json.Unmarshal(l.Value, &b64); err != nil {
		return badLine("value: want the sealed blob in base64")
	}
	blob, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return badLine("value: not base64")
	}
	if len(blob) < blobHeaderSize+blobTagSize || blob[0] != blobVersion {
		return badLine("value: not a sealed blob of version %d", blobVersion)
	}
	sealedExp := binary.BigEndian.Uint64(blob[6:14])
	switch {
	case sealedExp == 0 && !r.expireAt.IsZero(), sealedExp != 0 && r.expireAt.IsZero():
		return badLine("expire_at does not match the expiry sealed in the blob")
	case sealedExp != 0:
		d := r.expireAt.Sub(time.Unix(0, int64(sealedExp)))
		if d <= -time.Millisecond || d >= time.Millisecond {
			return badLine("expire_at does not match the expiry sealed in the blob")
		}
	}
	if sealedExp != 0 {
		// The blob's own expiry, to the nanosecond, is what the encrypt
		// layer wrote and checks.
		r.expireAt = time.Unix(0, int64(sealedExp))
	}
	r.key, r.blob = name, blob
	return nil
}

// checkBlob checks that a keyring can open a sealed blob's header: its
// algorithm and key id. It does not decrypt.
func checkBlob(ring *crypto.Keyring, blob []byte) error {
	if a := crypto.Algorithm(blob[1]); a != ring.Algorithm() {
		return badLine("value: sealed with %v, but the store uses %v", a, ring.Algorithm())
	}
	id, _ := blobKeyID(blob)
	for _, k := range ring.IDs() {
		if k == id {
			return nil
		}
	}
	return badLine("value: sealed under key id %d, which the keyring does not hold", id)
}

// verifyBlob authenticates a sealed record with the store's keys, name
// and name key, as reading it would: the blob must open under its
// binding (store name, bucket, storage name) and hold the key the name
// stands for. The plaintext is cleared at once; nothing of it is kept or
// shown.
func verifyBlob(ring *crypto.Keyring, namer *crypto.Namer, storeName, bucket, name string, blob []byte) error {
	pt, _, _, err := ring.Open(nil, blob, crypto.Binding{Store: storeName, Bucket: bucket, Key: []byte(name)})
	defer clear(pt)
	if err != nil {
		return badLine("value: the blob does not open with this store's keys and name (%v)", err)
	}
	// The encrypt layer's envelope: version 1, the uvarint length of the
	// key, the key, the value (layer.EncryptStage).
	if len(pt) == 0 || pt[0] != 1 {
		return badLine("value: the blob holds an unknown envelope")
	}
	n, w := binary.Uvarint(pt[1:])
	if w <= 0 || n > uint64(len(pt)-1-w) {
		return badLine("value: the blob holds a damaged envelope")
	}
	if namer.Name(bucket, pt[1+w:1+w+int(n)]) != name {
		return badLine("key: the storage name is not its key's under this store's name key")
	}
	return nil
}

// isStorageName reports whether s is a storage name of the encrypt layer:
// 64 lowercase hex digits.
func isStorageName(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// jsonReason shortens a JSON error; encoding/json's messages name types
// and offsets, not values, so they never quote the data.
func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	}
	return err.Error()
}

// formatExpiry writes an expiry for expire_at.
func formatExpiry(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// plainLine returns the line of a record decoded from the pipeline; raw,
// when not nil, is its value's bytes as codecName encoded them.
func plainLine(bucket, key, keyType string, value any, expireAt time.Time, raw []byte, codecName string) ([]byte, error) {
	var kj []byte
	var err error
	if keyType == "int" {
		kj = []byte(key)
	} else if kj, err = json.Marshal(key); err != nil {
		return nil, err
	}
	vj, err := toJSON(value)
	if err != nil {
		return nil, err
	}
	l := line{Bucket: &bucket, Key: kj, Value: vj, ExpireAt: formatExpiry(expireAt)}
	if raw != nil {
		b64 := base64.StdEncoding.EncodeToString(raw)
		l.Raw, l.Codec = &b64, codecName
	}
	return marshalLine(l)
}

// sealedLine returns the line of a raw record.
func sealedLine(bucket string, name, blob []byte, expireAt time.Time) ([]byte, error) {
	if !isStorageName(string(name)) {
		return nil, fmt.Errorf("bucket %s holds a record whose name is not a storage name (%s...): it was not written through encryption", showBucket(bucket), hex.EncodeToString(name[:min(len(name), 8)]))
	}
	kj, _ := json.Marshal(string(name))
	vj, _ := json.Marshal(base64.StdEncoding.EncodeToString(blob))
	return marshalLine(line{Bucket: &bucket, Key: kj, Value: vj, ExpireAt: formatExpiry(expireAt), Sealed: true})
}

func marshalLine(l line) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(l); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
