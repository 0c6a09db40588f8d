package layer_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/livedict/livedict/layer"
	"github.com/livedict/livedict/layer/layertest"
	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/faulty"
)

func TestLogConformance(t *testing.T) {
	// Debug level, so that every record is built and formatted.
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	layertest.Run(t, layer.Log(logger, layer.LogOptions{}))
}

// logLines decodes the JSON lines a slog.JSONHandler wrote.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	buf.Reset()
	return lines
}

// jsonLogger returns a logger writing JSON lines at level and above to buf.
func jsonLogger(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: level}))
}

// wantLine checks that line has every attribute of want, with JSON's types
// (numbers are float64).
func wantLine(t *testing.T, line map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got, ok := line[k]; !ok || got != v {
			t.Errorf("log line %v: %s = %v, want %v", line, k, got, v)
		}
	}
}

func TestLogCalls(t *testing.T) {
	const secretKey, secretValue = "KEY-NEVER-LOGGED", "VALUE-NEVER-LOGGED"
	var buf bytes.Buffer
	s := layer.Chain(store.NewMemory(), layer.Log(jsonLogger(&buf, slog.LevelDebug), layer.LogOptions{}))
	ctx := t.Context()
	rec := store.Record{Bucket: "b", Key: []byte(secretKey), Value: []byte(secretValue)}

	steps := []struct {
		name string
		do   func() error
		want map[string]any
	}{
		{"put", func() error { return s.Put(ctx, rec) },
			map[string]any{"level": "DEBUG", "msg": "livedict store", "op": "put", "bucket": "b", "key_len": 16.0, "value_len": 18.0}},
		{"get", func() error { _, err := s.Get(ctx, "b", []byte(secretKey)); return err },
			map[string]any{"level": "DEBUG", "op": "get", "bucket": "b", "key_len": 16.0, "value_len": 18.0, "found": true}},
		{"get missing", func() error { _, _ = s.Get(ctx, "b", []byte("nope")); return nil },
			map[string]any{"level": "DEBUG", "op": "get", "key_len": 4.0, "found": false}},
		{"put batch", func() error {
			return s.(store.BatchPutter).PutBatch(ctx, []store.Record{rec, {Bucket: "b", Key: []byte("k2"), Value: []byte("12345")}})
		}, map[string]any{"level": "DEBUG", "op": "put_batch", "records": 2.0, "value_len": 23.0}},
		{"scan", func() error {
			for _, err := range s.Scan(ctx, "b") {
				if err != nil {
					return err
				}
			}
			return nil
		}, map[string]any{"level": "DEBUG", "op": "scan", "bucket": "b", "records": 2.0, "value_len": 23.0}},
		{"delete", func() error { return s.Delete(ctx, "b", []byte(secretKey)) },
			map[string]any{"level": "DEBUG", "op": "delete", "bucket": "b", "key_len": 16.0}},
		{"flush", func() error { return s.(store.Flusher).Flush(ctx) }, map[string]any{"op": "flush"}},
		{"ping", func() error { return s.(store.Pinger).Ping(ctx) }, map[string]any{"op": "ping"}},
		{"close", s.Close, map[string]any{"op": "close"}},
		{"put after close", func() error { _ = s.Put(ctx, rec); return nil },
			map[string]any{"level": "WARN", "op": "put", "err": "store: closed"}},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		out := buf.String()
		if strings.Contains(out, secretKey) || strings.Contains(out, secretValue) {
			t.Errorf("%s logged a key or a value: %s", step.name, out)
		}
		lines := logLines(t, &buf)
		if len(lines) != 1 {
			t.Fatalf("%s logged %d lines, want 1: %v", step.name, len(lines), lines)
		}
		wantLine(t, lines[0], step.want)
		if _, ok := lines[0]["duration"]; !ok {
			t.Errorf("%s: no duration in %v", step.name, lines[0])
		}
		if _, failed := step.want["err"]; !failed {
			if e, ok := lines[0]["err"]; ok {
				t.Errorf("%s: err %v logged for a call that succeeded", step.name, e)
			}
		}
	}
}

func TestLogLevels(t *testing.T) {
	boom := errors.New("backend on fire")
	for _, tc := range []struct {
		name              string
		handlerLevel      slog.Level
		opts              layer.LogOptions
		okLevel, errLevel string // "" when nothing is logged
	}{
		{"defaults", slog.LevelDebug, layer.LogOptions{}, "DEBUG", "WARN"},
		{"defaults above debug", slog.LevelInfo, layer.LogOptions{}, "", "WARN"},
		{"custom", slog.LevelDebug, layer.LogOptions{Level: slog.LevelInfo, ErrorLevel: slog.LevelError}, "INFO", "ERROR"},
		{"all off", slog.LevelError + 1, layer.LogOptions{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			f := faulty.Wrap(store.NewMemory())
			s := layer.Chain(f, layer.Log(jsonLogger(&buf, tc.handlerLevel), tc.opts))
			ctx := t.Context()
			if err := s.Put(ctx, store.Record{Key: []byte("k")}); err != nil {
				t.Fatal(err)
			}
			f.FailNth(1, boom)
			if err := s.Put(ctx, store.Record{Key: []byte("k")}); !errors.Is(err, boom) {
				t.Fatalf("Put = %v, want the injected error", err)
			}
			var want []string
			for _, l := range []string{tc.okLevel, tc.errLevel} {
				if l != "" {
					want = append(want, l)
				}
			}
			lines := logLines(t, &buf)
			if len(lines) != len(want) {
				t.Fatalf("logged %d lines, want %d: %v", len(lines), len(want), lines)
			}
			for i, l := range want {
				wantLine(t, lines[i], map[string]any{"level": l})
			}
			if tc.errLevel != "" {
				wantLine(t, lines[len(lines)-1], map[string]any{"err": boom.Error()})
			}
		})
	}
}

// TestLogDuration runs in a synctest bubble, where the backend's delay
// advances the fake clock by exactly its length.
func TestLogDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		f := faulty.Wrap(store.NewMemory())
		s := layer.Chain(f, layer.Log(jsonLogger(&buf, slog.LevelDebug), layer.LogOptions{}))
		ctx := t.Context()
		for _, k := range []string{"a", "b"} {
			if err := s.Put(ctx, store.Record{Key: []byte(k)}); err != nil {
				t.Fatal(err)
			}
		}
		buf.Reset()
		f.Latency(5 * time.Millisecond)
		if _, err := s.Get(ctx, "", []byte("a")); err != nil {
			t.Fatal(err)
		}
		for _, err := range s.Scan(ctx, "") {
			if err != nil {
				t.Fatal(err)
			}
			// A slow loop body is the caller's time, not the stage's.
			time.Sleep(time.Second)
		}
		lines := logLines(t, &buf)
		if len(lines) != 2 {
			t.Fatalf("logged %d lines, want 2: %v", len(lines), lines)
		}
		// slog's JSON handler writes durations as nanoseconds.
		wantLine(t, lines[0], map[string]any{"op": "get", "duration": float64(5 * time.Millisecond)})
		wantLine(t, lines[1], map[string]any{"op": "scan", "records": 2.0, "duration": float64(5 * time.Millisecond)})
	})
}

func TestLogNilLogger(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(jsonLogger(&buf, slog.LevelDebug))
	defer slog.SetDefault(old)
	s := layer.Chain(store.NewMemory(), layer.Log(nil, layer.LogOptions{}))
	if err := s.Put(t.Context(), store.Record{Key: []byte("k")}); err != nil {
		t.Fatal(err)
	}
	if lines := logLines(t, &buf); len(lines) != 1 {
		t.Errorf("Log(nil) wrote %d lines to slog.Default(), want 1", len(lines))
	}
}
