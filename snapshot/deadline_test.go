package snapshot

import (
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict"
)

// TestRestoreExactDeadline: a restored entry's deadline is the recorded
// one to the nanosecond (the snapshot keeps nanoseconds), not one
// recomputed from a TTL, which would move it by the time Restore takes.
func TestRestoreExactDeadline(t *testing.T) {
	src := newStore[string, string](t)
	at := time.Now().Add(time.Hour + 123456789*time.Nanosecond)
	if err := src.SetUntil("a", "alpha", at); err != nil {
		t.Fatal(err)
	}
	if err := src.Bucket("x").Set("b", "beta", 90*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := src.Set("none", "never", livedict.NoExpiry); err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{}
	for _, k := range []struct{ bucket, key string }{{"", "a"}, {"x", "b"}, {"", "none"}} {
		d, ok := src.Bucket(k.bucket).Deadline(k.key)
		if !ok {
			t.Fatalf("source lost %q", k.key)
		}
		// The snapshot records the wall-clock time (nanoseconds since
		// 1970), which is what the restore must reproduce.
		want[k.bucket+"/"+k.key] = d.Round(0)
	}
	opts := sealedOpts[string](t)
	dst, st, err := restore(t, write(t, src, opts), opts)
	if err != nil || st.Restored != 3 {
		t.Fatalf("Restore = %+v, %v; want 3 restored", st, err)
	}
	for bk, d := range want {
		bucket, key, _ := strings.Cut(bk, "/")
		got, ok := dst.Bucket(bucket).Deadline(key)
		if !ok || !got.Equal(d) {
			t.Errorf("restored %s: deadline %v, %v; want exactly %v", bk, got, ok, d)
		}
	}
}
