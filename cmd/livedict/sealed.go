package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/livedict/livedict/store"
)

// The header of a sealed blob, as crypto/doc.go lays it out: version (1),
// algorithm, key id (4 bytes, big-endian), expiry (8 bytes, Unix
// nanoseconds, big-endian, 0 for none), then the nonce and ciphertext.
const (
	blobVersion    = 1
	blobHeaderSize = 1 + 1 + 4 + 8
	blobTagSize    = 16
)

// blobKeyID returns the id of the key that sealed blob, reading its
// header only, and false for bytes that are not a version 1 blob.
func blobKeyID(blob []byte) (uint32, bool) {
	if len(blob) < blobHeaderSize || blob[0] != blobVersion {
		return 0, false
	}
	return binary.BigEndian.Uint32(blob[2:6]), true
}

// sealCount counts a bucket's raw records by the key that sealed them.
type sealCount struct {
	total int
	byID  map[uint32]int
	// foreign counts records that are not sealed blobs.
	foreign int
}

// countSeals scans bucket in the raw backend and counts its records by
// sealing key id, without opening any.
func countSeals(ctx context.Context, raw store.Stage, bucket string) (sealCount, error) {
	c := sealCount{byID: map[uint32]int{}}
	for r, err := range raw.Scan(ctx, bucket) {
		if store.IsRecordError(err) {
			// A record the backend itself cannot read: counted as not
			// sealed, and the count goes on.
			c.total++
			c.foreign++
			continue
		}
		if err != nil {
			return c, fmt.Errorf("bucket %s: scan: %w", showBucket(bucket), err)
		}
		c.total++
		if id, ok := blobKeyID(r.Value); ok {
			c.byID[id]++
		} else {
			c.foreign++
		}
	}
	return c, nil
}

// notUnder returns how many counted records are not sealed under id.
func (c sealCount) notUnder(id uint32) int { return c.total - c.byID[id] }

// String lists the counts by key id, such as "id 1: 40, id 2: 960".
func (c sealCount) String() string {
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(c.byID)) {
		parts = append(parts, fmt.Sprintf("id %d: %d", id, c.byID[id]))
	}
	if c.foreign > 0 {
		parts = append(parts, fmt.Sprintf("not sealed: %d", c.foreign))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
