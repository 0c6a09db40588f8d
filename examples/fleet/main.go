// Command fleet runs two instances of a service, in two OS processes, that
// share sessions through a fleet Map on a redis-server it starts itself
// (redis-server must be on PATH). Instance A logs a user in, instance B
// reads the session (and caches it near), A logs the user out, and B sees
// the session gone as soon as Redis's invalidation reaches it.
//
//	go -C examples run ./fleet
//
// The two instances share their keys through the environment, as real
// deployments do with crypto.KeyFromEnv or crypto.KeyFromFile.
package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/livedict/livedict/crypto"
	"github.com/livedict/livedict/store/redis/fleet"
)

// Session is what the service keeps per logged-in user.
type Session struct {
	User  string
	Roles []string
}

// Environment of the instances: the role, the Redis URL and the keys.
const (
	envRole    = "LIVEDICT_FLEET_EXAMPLE_ROLE"
	envURL     = "LIVEDICT_FLEET_EXAMPLE_URL"
	envSealKey = "LIVEDICT_FLEET_EXAMPLE_SEAL_KEY"
	envNameKey = "LIVEDICT_FLEET_EXAMPLE_NAME_KEY"
)

func main() {
	if os.Getenv(envRole) != "" {
		if err := instance(os.Stdin, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run starts redis-server and the two instances, drives them and prints
// what each reports.
func run(w io.Writer) error {
	addr, stop, err := startRedis()
	if err != nil {
		return err
	}
	defer stop()
	env := []string{envURL + "=redis://" + addr + "/0"}
	for _, name := range []string{envSealKey, envNameKey} {
		k, err := crypto.GenerateKey()
		if err != nil {
			return err
		}
		secret := k.ExposeSecret()
		env = append(env, name+"="+hex.EncodeToString(secret))
		clear(secret)
	}
	a, err := startInstance("A", env)
	if err != nil {
		return err
	}
	defer a.close()
	b, err := startInstance("B", env)
	if err != nil {
		return err
	}
	defer b.close()
	for _, step := range []struct {
		in  *child
		cmd string
	}{
		{a, "login"},  // A writes the session to Redis
		{b, "read"},   // B reads it from Redis and caches it
		{b, "read"},   // B answers from its near cache
		{a, "logout"}, // A deletes it in Redis; Redis invalidates B's copy
		{b, "await"},  // B waits until its tracker has applied that
		{b, "read"},   // B reads Redis: gone
	} {
		line, err := step.in.do(step.cmd)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s: %s\n", step.in.name, line)
	}
	return nil
}

// instance is one service instance: it opens the Map and answers commands
// from the parent, one a line.
func instance(in io.Reader, out io.Writer) error {
	ctx := context.Background()
	seal, err := crypto.KeyFromEnv(envSealKey)
	if err != nil {
		return err
	}
	nameKey, err := crypto.KeyFromEnv(envNameKey)
	if err != nil {
		return err
	}
	ring, err := crypto.NewKeyring(crypto.AES256GCM, 1, seal)
	if err != nil {
		return err
	}
	sessions, err := fleet.Open(ctx, fleet.Options[string, Session]{
		URL:     os.Getenv(envURL),
		Name:    "sessions",
		Keyring: ring, NameKey: nameKey,
		TTL: time.Hour,
	})
	if err != nil {
		return err
	}
	defer sessions.Close()
	const key = "alice"
	var seen fleet.Stats
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var reply string
		switch sc.Text() {
		case "login":
			err = sessions.Set(ctx, key, Session{User: "alice", Roles: []string{"admin"}})
			reply = "alice logged in"
		case "read":
			before := sessions.Stats().NearHits
			var s Session
			var ok bool
			s, ok, err = sessions.Get(ctx, key)
			from := "Redis"
			if sessions.Stats().NearHits > before {
				from = "near cache"
			}
			reply = fmt.Sprintf("session of alice: none (read from %s)", from)
			if ok {
				reply = fmt.Sprintf("session of alice: %s %v (read from %s)", s.User, s.Roles, from)
			}
			seen = sessions.Stats()
		case "logout":
			_, err = sessions.Delete(ctx, key)
			reply = "alice logged out"
		case "await":
			// The tracker applies invalidations as Redis pushes them; this
			// only waits to see that it has.
			for s := sessions.Stats(); s.Invalidations == seen.Invalidations && s.Flushes == seen.Flushes; s = sessions.Stats() {
				time.Sleep(time.Millisecond)
			}
			reply = "invalidation received"
		default:
			err = fmt.Errorf("unknown command %q", sc.Text())
		}
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(out, reply); err != nil {
			return err
		}
	}
	return sc.Err()
}

// child is an instance process seen from run.
type child struct {
	name string
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
}

func startInstance(name string, env []string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), env...), envRole+"="+name)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &child{name: name, cmd: cmd, in: in, out: bufio.NewScanner(out)}, nil
}

func (c *child) do(cmd string) (string, error) {
	if _, err := fmt.Fprintln(c.in, cmd); err != nil {
		return "", fmt.Errorf("instance %s: %w", c.name, err)
	}
	if !c.out.Scan() {
		return "", fmt.Errorf("instance %s ended: %v", c.name, c.out.Err())
	}
	return c.out.Text(), nil
}

func (c *child) close() {
	_ = c.in.Close()
	_ = c.cmd.Wait()
}

// startRedis starts a throwaway redis-server on a free loopback port and
// returns its address and a function that stops it.
func startRedis() (string, func(), error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, errors.New("redis-server is not on PATH (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "livedict-fleet-example-")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if err := ping(addr); err == nil {
			return addr, stop, nil
		} else if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("redis-server on %s: %w", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}
