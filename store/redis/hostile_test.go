package redis_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store"
	"github.com/livedict/livedict/store/redis"
)

// fakeServer is a TCP server that speaks just enough RESP to be dialled by
// go-redis and answers each command with what reply returns: the hostile
// replies a broken or malicious server (or anything in the path) could
// send. It stops, with every goroutine it started, when the test ends.
type fakeServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func startFake(t *testing.T, reply func(cmd []string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, ln, reply)
}

// serveOn serves the fake protocol on ln and returns its address.
func serveOn(t *testing.T, ln net.Listener, reply func(cmd []string) string) string {
	t.Helper()
	fs := &fakeServer{ln: ln}
	fs.wg.Add(1)
	go func() {
		defer fs.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fs.mu.Lock()
			fs.conns = append(fs.conns, c)
			fs.mu.Unlock()
			fs.wg.Add(1)
			go func() {
				defer fs.wg.Done()
				defer c.Close()
				serveFake(c, reply)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		fs.mu.Lock()
		for _, c := range fs.conns {
			c.Close()
		}
		fs.mu.Unlock()
		fs.wg.Wait()
	})
	return ln.Addr().String()
}

// serveFake reads commands (RESP arrays of bulk strings) from c and writes
// the replies, until c fails.
func serveFake(c net.Conn, reply func(cmd []string) string) {
	r := bufio.NewReader(c)
	for {
		cmd, err := readCommand(r)
		if err != nil {
			return
		}
		if _, err := io.WriteString(c, reply(cmd)); err != nil {
			return
		}
	}
}

func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, errors.New("not an array")
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 0 || n > 64 {
		return nil, errors.New("bad array")
	}
	cmd := make([]string, n)
	for i := range cmd {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil || l < 0 || l > 1<<20 {
			return nil, errors.New("bad bulk")
		}
		b := make([]byte, l+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		cmd[i] = string(b[:l])
	}
	return cmd, nil
}

// hostile answers the handshake as an old server would (no HELLO, so
// RESP2), PING with PONG, and the command named cmd with bad; with
// hello set, HELLO itself gets bad.
func hostile(cmd, bad string, hello bool) func([]string) string {
	return func(args []string) string {
		name := strings.ToUpper(args[0])
		switch {
		case name == "HELLO" && hello:
			return bad
		case name == "HELLO":
			return "-ERR unknown command 'HELLO'\r\n"
		case name == "CLIENT":
			return "+OK\r\n"
		case name == cmd:
			return bad
		case name == "PING":
			return "+PONG\r\n"
		}
		return "-ERR unexpected\r\n"
	}
}

// Every hostile reply makes the call fail with ErrBadReply, quickly and
// without a panic, an out-of-memory kill or a hang; the Store keeps working
// for the next call once the server behaves. Before the fix the first case
// panicked the process inside go-redis's reader and the HELLO case
// allocated 64 GiB.
func TestHostileReplies(t *testing.T) {
	huge := "$9223372036854775806\r\n"
	cases := []struct {
		name, cmd, reply string
		hello            bool
		call             func(ctx context.Context, s *redis.Store) error
	}{
		{"GET bulk of 2^63-2 bytes", "GET", huge, false, get},
		{"GET bulk of 4 GiB", "GET", "$4294967296\r\n", false, get},
		{"GET bulk one byte past MaxValueSize", "GET", "$" + strconv.Itoa(redis.DefaultMaxValueSize+9+1) + "\r\n", false, get},
		{"GET negative bulk length", "GET", "$-7\r\n", false, get},
		{"GET bulk length of 30 digits", "GET", "$123456789012345678901234567890\r\n", false, get},
		{"GET endless line", "GET", "+" + strings.Repeat("A", redis.MaxReplyLine+1), false, get},
		{"GET not RESP", "GET", "HTTP/1.1 200 OK\r\n", false, get},
		{"HELLO array of 2^32", "HELLO", "*4294967296\r\n", true, ping},
		{"HELLO map of 2^31", "HELLO", "%2147483648\r\n", true, ping},
		{"HELLO nested a million deep", "HELLO", strings.Repeat("*1\r\n", 1<<20), true, ping},
		{"HELLO arrays of a million, nested", "HELLO", strings.Repeat("*1000000\r\n", 64), true, ping},
		{"SCAN page of 2^32 names", "SCAN", "*2\r\n$1\r\n0\r\n*4294967296\r\n", false, scan},
		{"SCAN cursor of 2^62 bytes", "SCAN", "*2\r\n$4611686018427387904\r\n", false, scan},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := startFake(t, hostile(tc.cmd, tc.reply, tc.hello))
			s, err := redis.Open(&redis.Options{Addrs: []string{addr}, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = tc.call(t.Context(), s)
			if !errors.Is(err, redis.ErrBadReply) {
				t.Fatalf("call = %v, want an error matching ErrBadReply", err)
			}
			if !strings.HasPrefix(err.Error(), "store/redis: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

// A reply within the limits still works through the same scanner, across
// reads split anywhere (go-redis reads what has arrived).
func TestRepliesWithinLimits(t *testing.T) {
	value := "\x01\x00\x00\x00\x00\x00\x00\x00\x00" + strings.Repeat("v", 100000)
	addr := startFake(t, func(args []string) string {
		switch strings.ToUpper(args[0]) {
		case "HELLO":
			return "%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n"
		case "GET":
			return "$" + strconv.Itoa(len(value)) + "\r\n" + value + "\r\n"
		}
		return "+OK\r\n"
	})
	s, err := redis.Open(&redis.Options{Addrs: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 3 {
		r, err := s.Get(t.Context(), "b", []byte("k"))
		if err != nil || len(r.Value) != 100000 {
			t.Fatalf("Get = %d bytes, %v", len(r.Value), err)
		}
	}
}

// With a client of the caller's own that does not dial through
// LimitReplies, go-redis panics on a huge bulk length; the Store's methods
// recover the panic into an error matching ErrBadReply.
func TestPanicRecovered(t *testing.T) {
	addr := startFake(t, hostile("GET", "$9223372036854775806\r\n", false))
	client := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	defer client.Close()
	s, err := redis.Open(&redis.Options{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Get(t.Context(), "b", []byte("k")); !errors.Is(err, redis.ErrBadReply) {
		t.Fatalf("Get = %v, want the panic recovered as ErrBadReply", err)
	}
	// LimitReplies on the same kind of client stops the reply before
	// go-redis reads it.
	var d net.Dialer
	limited := goredis.NewClient(&goredis.Options{Addr: addr, ContextTimeoutEnabled: true, Dialer: redis.LimitReplies(d.DialContext, 0)})
	defer limited.Close()
	s2, err := redis.Open(&redis.Options{Client: limited})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Get(t.Context(), "b", []byte("k")); !errors.Is(err, redis.ErrBadReply) {
		t.Fatalf("Get through LimitReplies = %v, want ErrBadReply", err)
	}
}

// Put refuses a value the Store's connections would refuse to read back.
func TestPutTooLarge(t *testing.T) {
	s, err := redis.Open(&redis.Options{Addrs: []string{"127.0.0.1:1"}, MaxValueSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := store.Record{Bucket: "b", Key: []byte("k"), Value: make([]byte, 11)}
	if err := s.Put(t.Context(), r); !errors.Is(err, redis.ErrTooLarge) {
		t.Errorf("Put of 11 bytes with MaxValueSize 10 = %v, want ErrTooLarge", err)
	}
	if err := s.PutBatch(t.Context(), []store.Record{r}); !errors.Is(err, redis.ErrTooLarge) {
		t.Errorf("PutBatch of 11 bytes with MaxValueSize 10 = %v, want ErrTooLarge", err)
	}
}

func get(ctx context.Context, s *redis.Store) error {
	_, err := s.Get(ctx, "b", []byte("k"))
	return err
}

func ping(ctx context.Context, s *redis.Store) error { return s.Ping(ctx) }

func scan(ctx context.Context, s *redis.Store) error {
	for _, err := range s.Scan(ctx, "b") {
		if err != nil {
			return err
		}
	}
	return errors.New("scan ended without an error")
}
