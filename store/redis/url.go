package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/livedict/livedict/store"
)

// The URL schemes this package registers with store.Register.
const (
	SchemeRedis    = "redis"
	SchemeRediss   = "rediss"
	SchemeCluster  = "redis+cluster"
	SchemeSentinel = "redis+sentinel"
)

func init() {
	for _, scheme := range []string{SchemeRedis, SchemeRediss, SchemeCluster, SchemeSentinel} {
		store.Register(scheme, func(ctx context.Context, u *url.URL) (store.Stage, error) {
			s, err := openURL(ctx, u)
			if err != nil {
				return nil, err
			}
			return s, nil
		})
	}
}

// OpenURL opens a Store from a URL; the package documentation lists the
// forms and query parameters. Like [Open] it does not contact the server.
// A URL it cannot use gives an error matching [ErrInvalidURL] that never
// quotes the URL's password; a done ctx gives ctx.Err().
func OpenURL(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURL, urlParseError(err))
	}
	return openURL(ctx, u)
}

// urlParseError returns the cause of a url.Parse error without the URL,
// which *url.Error quotes whole, password included. A bad %-escape is
// reported without the escape, which may sit in the password.
func urlParseError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ee url.EscapeError
	if errors.As(err, &ee) {
		return errors.New("malformed %-escape")
	}
	return err
}

func openURL(ctx context.Context, u *url.URL) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts, client, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	return newStore(client, true, opts), nil
}

// parseURL takes the Store's own parameters out of u's query and hands the
// rest to go-redis's parser for the scheme, so that its connection
// parameters (dial_timeout, pool_size, ...) work too.
func parseURL(u *url.URL) (*Options, goredis.UniversalClient, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s URL: "+format, append([]any{ErrInvalidURL, u.Scheme}, args...)...)
	}
	if u.Opaque != "" {
		return nil, nil, bad("want %s://host:port, not %s:...", u.Scheme, u.Scheme)
	}
	if u.Fragment != "" {
		return nil, nil, bad("a fragment (#...) means nothing here")
	}
	q := u.Query()
	take := func(name string) (string, bool) {
		vs, ok := q[name]
		delete(q, name)
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[len(vs)-1], true
	}
	opts := &Options{}
	if v, ok := take("prefix"); ok {
		if v == "" {
			return nil, nil, bad("empty prefix")
		}
		opts.Prefix = v
	}
	if v, ok := take("timeout"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, nil, bad("timeout %q: want a Go duration such as 500ms, or a negative one for none", v)
		}
		if d == 0 {
			d = -1 // "timeout=0" asks for none, not for the default
		}
		opts.Timeout = d
	}
	if v, ok := take("scan_count"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > MaxScanCount {
			return nil, nil, bad("scan_count %q: want an integer from 1 to %d", quoteShort(v), MaxScanCount)
		}
		opts.ScanCount = n
	}
	if v, ok := take("max_value_size"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n > MaxValueSizeLimit {
			return nil, nil, bad("max_value_size %q: want a number of bytes from 1 to %d", quoteShort(v), int64(MaxValueSizeLimit))
		}
		opts.MaxValueSize = n
	}
	if err := checkNumericParams(q); err != nil {
		return nil, nil, bad("%w", err)
	}
	goURL := url.URL{Scheme: "redis", User: u.User, Host: u.Host, Path: u.Path}
	var client goredis.UniversalClient
	switch u.Scheme {
	case SchemeRedis, SchemeRediss:
		if strings.Contains(u.Host, ",") {
			return nil, nil, bad("several hosts: use %s:// for a cluster or %s:// for Sentinels", SchemeCluster, SchemeSentinel)
		}
		if u.Host != "" {
			if _, err := hostList(u.Host, nil, "6379"); err != nil {
				return nil, nil, bad("%w", err)
			}
		}
		goURL.Scheme = u.Scheme
		goURL.RawQuery = q.Encode()
		o, err := goredis.ParseURL(goURL.String())
		if err != nil {
			return nil, nil, bad("%w", urlParseError(err))
		}
		if o.DB > MaxDB {
			return nil, nil, bad("database %d is more than %d", o.DB, MaxDB)
		}
		o.ContextTimeoutEnabled = true
		o.Dialer = LimitReplies(netDialer(o.TLSConfig, o.DialTimeout), opts.MaxValueSize)
		client = goredis.NewClient(o)
	case SchemeCluster:
		if p := strings.Trim(u.Path, "/"); p != "" {
			return nil, nil, bad("path %q: a cluster has only database 0", u.Path)
		}
		hosts, err := hostList(u.Host, q["addr"], "6379")
		if err != nil {
			return nil, nil, bad("%w", err)
		}
		tlsOn, err := takeBool(take, "tls")
		if err != nil {
			return nil, nil, bad("%w", err)
		}
		if tlsOn {
			goURL.Scheme = "rediss"
		}
		goURL.Host, goURL.Path = hosts[0], ""
		q["addr"] = hosts[1:]
		goURL.RawQuery = q.Encode()
		o, err := goredis.ParseClusterURL(goURL.String())
		if err != nil {
			return nil, nil, bad("%w", urlParseError(err))
		}
		o.ContextTimeoutEnabled = true
		o.Dialer = LimitReplies(netDialer(o.TLSConfig, o.DialTimeout), opts.MaxValueSize)
		client = goredis.NewClusterClient(o)
	case SchemeSentinel:
		master, _ := take("master")
		if master == "" {
			return nil, nil, bad("missing master=<name> of the master the Sentinels watch")
		}
		hosts, err := hostList(u.Host, q["addr"], "26379")
		if err != nil {
			return nil, nil, bad("%w", err)
		}
		tlsOn, err := takeBool(take, "tls")
		if err != nil {
			return nil, nil, bad("%w", err)
		}
		if tlsOn {
			goURL.Scheme = "rediss"
		}
		// go-redis reads a failover URL's user info as the Sentinels'
		// credentials; here it holds the master's, as in redis://.
		goURL.User, goURL.Host = nil, hosts[0]
		q["addr"] = hosts[1:]
		q.Set("master_name", master)
		goURL.RawQuery = q.Encode()
		o, err := goredis.ParseFailoverURL(goURL.String())
		if err != nil {
			return nil, nil, bad("%w", urlParseError(err))
		}
		if u.User != nil {
			o.Username = u.User.Username()
			o.Password, _ = u.User.Password()
		}
		o.ContextTimeoutEnabled = true
		o.Dialer = LimitReplies(netDialer(o.TLSConfig, o.DialTimeout), opts.MaxValueSize)
		if o.RouteByLatency || o.RouteRandomly {
			client = goredis.NewFailoverClusterClient(o)
		} else {
			client = goredis.NewFailoverClient(o)
		}
	default:
		return nil, nil, bad("unknown scheme (want %s, %s, %s or %s)", SchemeRedis, SchemeRediss, SchemeCluster, SchemeSentinel)
	}
	return opts, client, nil
}

// hostList splits a comma-separated host list and adds the addresses of
// addr parameters, giving each the default port when it has none.
func hostList(hostPart string, extra []string, defPort string) ([]string, error) {
	var hosts []string
	for _, h := range append(strings.Split(hostPart, ","), extra...) {
		if h == "" {
			continue
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = strings.Trim(h, "[]"), defPort
		}
		if host == "" || strings.ContainsAny(host, "[]/@ ") {
			return nil, fmt.Errorf("bad host %q", h)
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("bad port in %q", h)
		}
		hosts = append(hosts, net.JoinHostPort(host, port))
	}
	if len(hosts) == 0 {
		return nil, errors.New("no host")
	}
	return hosts, nil
}

func takeBool(take func(string) (string, bool), name string) (bool, error) {
	v, ok := take(name)
	if !ok {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}
