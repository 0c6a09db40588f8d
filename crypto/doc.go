// Package crypto seals values for persistence and names them without revealing
// their keys.
//
// # Keys
//
// A [Key] is 32 bytes of secret material. It can be generated with
// [GenerateKey] or loaded with [KeyFromHex], [KeyFromBase64], [KeyFromEnv] or
// [KeyFromFile]. A Key never prints its bytes: every fmt verb, String and
// GoString give "crypto.Key(redacted)", and no error from this package quotes
// key material or plaintext. The same holds for every type here that holds
// key material: a [Namer] prints as "crypto.Namer(redacted)" and a [Keyring]
// as its algorithm and key ids, under every fmt verb, in slog (LogValue) and
// in JSON (MarshalJSON), and even printed by value through reflection.
// KeyFromFile reads only regular files of at most [MaxKeyFileSize] bytes,
// and never waits on a FIFO or device.
//
// # Keyrings and rotation
//
// A [Keyring] maps key ids to keys for one [Algorithm]. The primary key seals;
// every key in the ring opens. To rotate, [Keyring.Add] a new key,
// [Keyring.SetPrimary] it, [Keyring.Reseal] every stored blob and finally
// [Keyring.Remove] the old key. Nonces are random, so a key must not seal too
// many blobs: [Keyring.NeedsRotation] reports true once the primary has sealed
// more than [RotationThreshold] blobs, far below the 2^32 messages that NIST
// allows for AES-GCM with random 96-bit nonces.
//
// # Blob format
//
// [Keyring.Seal] produces blob version 1:
//
//	version      1 byte, always 1
//	algorithm    1 byte, an Algorithm value
//	key id       4 bytes, big-endian
//	expireAt     8 bytes, Unix nanoseconds, big-endian, 0 for no expiry
//	nonce        12 bytes (AES-256-GCM) or 24 bytes (XChaCha20-Poly1305)
//	ciphertext   plaintext length + 16-byte tag
//
// The additional authenticated data is the 14 header bytes followed by the
// Store, Bucket and Key of the [Binding], each preceded by its length as a
// uvarint. A blob therefore opens only under the binding it was sealed with and
// only with the expiry it was sealed with; any change gives [ErrOpen].
//
// # Names
//
// A [Namer] turns a bucket and key into a 64-character hex name (an HMAC-SHA256
// under a key derived with HKDF), so storage layers can file a blob under a
// name that is stable but does not reveal the key it belongs to.
package crypto
