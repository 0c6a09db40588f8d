package livedict

import (
	"hash/maphash"
	"math/rand/v2"
	"reflect"
	"unsafe"
)

// hasher returns the hash function for K, seeded per store. Keys whose
// underlying type is a string or an integer take fast paths (maphash.String
// and a multiply-xorshift mixer); every other comparable type goes through
// maphash.Comparable. The choice is made once, at New, so Get pays one
// indirect call and no type switch.
func hasher[K comparable]() func(K) uint64 {
	seed := maphash.MakeSeed()
	salt := rand.Uint64() | 1
	t := reflect.TypeFor[K]()
	switch t.Kind() {
	case reflect.String:
		return func(k K) uint64 {
			return maphash.String(seed, *(*string)(unsafe.Pointer(&k)))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		// By size, not kind: int, uint and uintptr are 4 bytes on 32-bit
		// platforms.
		switch t.Size() {
		case 8:
			return func(k K) uint64 { return mix64(*(*uint64)(unsafe.Pointer(&k)) ^ salt) }
		case 4:
			return func(k K) uint64 { return mix64(uint64(*(*uint32)(unsafe.Pointer(&k))) ^ salt) }
		case 2:
			return func(k K) uint64 { return mix64(uint64(*(*uint16)(unsafe.Pointer(&k))) ^ salt) }
		case 1:
			return func(k K) uint64 { return mix64(uint64(*(*uint8)(unsafe.Pointer(&k))) ^ salt) }
		}
		return func(k K) uint64 { return maphash.Comparable(seed, k) }
	default:
		return func(k K) uint64 { return maphash.Comparable(seed, k) }
	}
}

// mix64 is a bijective finaliser: every input bit affects every output bit,
// so sequential integer keys spread over shards and table buckets.
func mix64(x uint64) uint64 {
	x ^= x >> 32
	x *= 0xd6e8feb86659fd93
	x ^= x >> 32
	x *= 0xd6e8feb86659fd93
	x ^= x >> 32
	return x
}

// bucketSalt separates the namespaces: the same key in two buckets hashes to
// unrelated values. The default bucket (id 0) has salt 0.
func bucketSalt(id uint32) uint64 { return uint64(id) * 0x9e3779b97f4a7c15 }
