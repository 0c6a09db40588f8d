package redis_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/livedict/livedict/store/redis"
)

// selfSigned returns a TLS certificate for 127.0.0.1.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "fake redis"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// The reply limits sit on the plaintext side of TLS: a rediss:// store
// still completes its handshake through the Store's own dialer, works with
// a well-behaved reply, and refuses a hostile one.
func TestTLSRepliesBounded(t *testing.T) {
	cert := selfSigned(t)
	for _, tc := range []struct {
		reply string
		ok    bool
	}{
		{"$10\r\n\x01\x00\x00\x00\x00\x00\x00\x00\x00v\r\n", true},
		{"$9223372036854775806\r\n", false},
	} {
		ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			t.Fatal(err)
		}
		addr := serveOn(t, ln, hostile("GET", tc.reply, false))
		s, err := redis.OpenURL(t.Context(), "rediss://"+addr+"/0?skip_verify=true")
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Get(t.Context(), "b", []byte("k"))
		switch {
		case tc.ok && (err != nil || string(r.Value) != "v"):
			t.Errorf("Get over TLS = %q, %v, want v", r.Value, err)
		case !tc.ok && !errors.Is(err, redis.ErrBadReply):
			t.Errorf("Get of a hostile reply over TLS = %v, want ErrBadReply", err)
		case !tc.ok && strings.Contains(err.Error(), "tls"):
			t.Errorf("Get failed in TLS, not on the reply: %v", err)
		}
		_ = s.Close()
	}
}
