package badger

import "encoding/binary"

// recordTag starts every key this package writes. It keeps record keys clear
// of Badger's reserved "!badger!" prefix, which a bucket name of length 33
// starting with "badger!" would otherwise produce (uvarint 33 is '!'), and
// leaves other tags free for metadata should the layout ever need it.
const recordTag byte = 'r'

// maxBadgerKey is the longest key Badger accepts (its txn.go limit).
const maxBadgerKey = 65000

// bucketPrefix returns recordTag, the uvarint length of bucket, then bucket.
// Because a uvarint is self-delimiting, the prefix of one bucket is never a
// prefix of another bucket's keys: "a" and "ab" encode as r\x01a and r\x02ab.
func bucketPrefix(bucket string) []byte {
	p := make([]byte, 0, 1+binary.MaxVarintLen64+len(bucket))
	return appendBucketPrefix(p, bucket)
}

func appendBucketPrefix(dst []byte, bucket string) []byte {
	dst = append(dst, recordTag)
	dst = binary.AppendUvarint(dst, uint64(len(bucket)))
	return append(dst, bucket...)
}

// recordKey returns the Badger key of key in bucket: bucketPrefix(bucket)
// followed by the key's bytes, unchanged.
func recordKey(bucket string, key []byte) []byte {
	k := make([]byte, 0, 1+binary.MaxVarintLen64+len(bucket)+len(key))
	k = appendBucketPrefix(k, bucket)
	return append(k, key...)
}
