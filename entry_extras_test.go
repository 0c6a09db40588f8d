package livedict

import "testing"

// TestEntryExtrasBit: an entry says whether it has extras in Aux, apart
// from its bucket id (up to MaxBuckets), the S3-FIFO bits that readers
// and the queues change later, and whether its latest write was given up.
func TestEntryExtrasBit(t *testing.T) {
	ex := &entryExtra[string, int]{token: "t"}
	for _, bucket := range []uint32{0, 1, MaxBuckets} {
		plain := newEntry[string, int](bucket, "k", 1, nil)
		extended := newEntry(bucket, "k", 2, ex)
		for _, e := range []*entry[string, int]{plain, extended} {
			setQueue(e, inMain)
			setFreq(e, maxFreq)
			touch(e)
		}
		if plain.extras() != nil || plain.guarded() {
			t.Fatalf("bucket %d: an entry made without extras has %v", bucket, plain.extras())
		}
		if extended.extras() != ex || !extended.guarded() {
			t.Fatalf("bucket %d: extras() = %v, want the ones it was made with", bucket, extended.extras())
		}
		for _, e := range []*entry[string, int]{plain, extended} {
			if e.bucket() != bucket || e.Aux.Load()&queueMask != inMain || e.Aux.Load()&freqMask != maxFreq {
				t.Fatalf("bucket %d: Aux %#x lost a field", bucket, e.Aux.Load())
			}
			for _, lost := range []bool{true, true, false, false} {
				e.setLost(lost)
				if e.lost() != lost || e.bucket() != bucket || e.Aux.Load()&queueMask != inMain ||
					e.Aux.Load()&freqMask != maxFreq || (e.extras() != nil) != (e == extended) {
					t.Fatalf("bucket %d: setLost(%v) left Aux %#x", bucket, lost, e.Aux.Load())
				}
			}
		}
	}
}
