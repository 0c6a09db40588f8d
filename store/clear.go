package store

import "context"

// BucketClearer is implemented by a Stage that can remove every record of a
// bucket in one call. ClearBucket removes every record of bucket, expired
// or not; a bucket that holds nothing is not an error. It makes the usual
// open and context checks first. When it returns an error, any subset of
// the records may have been removed.
type BucketClearer interface {
	ClearBucket(ctx context.Context, bucket string) error
}

// ClearBucket removes every record of bucket from s. It is the one place
// the fallback is written:
//
//   - a [BucketClearer] (s itself, or a stage reached through Unwrap) clears
//     the bucket in one call;
//   - otherwise s's Scan of the bucket is collected and each record is
//     deleted by the key Scan yielded, which is the storage name when s is
//     a backend.
//
// Reaching the bottom through Unwrap is right because a bucket is cleared
// by name, and no layer of this module renames buckets (an encrypting
// layer hashes keys, never bucket names), and because a record a layer
// above could not decode is deleted all the same.
func ClearBucket(ctx context.Context, s Stage, bucket string) error {
	if c, ok := As[BucketClearer](s); ok {
		return c.ClearBucket(ctx, bucket)
	}
	// Reach the deepest stage: Delete there takes the key as Scan there
	// yielded it, whatever the layers above do to keys.
	for {
		u, ok := s.(Unwrapper)
		if !ok {
			break
		}
		s = u.Unwrap()
	}
	var keys [][]byte
	for r, err := range s.Scan(ctx, bucket) {
		if err != nil {
			return err
		}
		keys = append(keys, r.Key)
	}
	for _, k := range keys {
		if err := s.Delete(ctx, bucket, k); err != nil {
			return err
		}
	}
	return ctx.Err()
}
