package outbound

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
)

func TestPublic(t *testing.T) {
	for _, c := range []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true},
		{"93.184.215.14", true},
		{"2a03:2880:f12d:83:face:b00c:0:25de", true},
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},  // 6to4 of 8.8.8.8
		{"::ffff:8.8.8.8", true},
		{"0.1.2.3", false},
		{"10.1.2.3", false},
		{"100.64.0.1", false},
		{"100.127.255.254", false},
		{"127.0.0.1", false},
		{"169.254.169.254", false},
		{"172.16.0.1", false},
		{"192.0.0.8", false},
		{"192.0.2.1", false},
		{"192.168.1.1", false},
		{"198.18.0.1", false},
		{"198.19.255.255", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"224.0.0.1", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::7f00:1", false},    // NAT64 of 127.0.0.1
		{"64:ff9b::a00:1", false},     // NAT64 of 10.0.0.1
		{"64:ff9b::a9fe:a9fe", false}, // NAT64 of the metadata address
		{"64:ff9b:1::808:808", false},
		{"2002:7f00:1::1", false}, // 6to4 of 127.0.0.1
		{"2001:db8::1", false},
		{"2001::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"fe80::1%eth0", false},
		{"ff02::1", false},
		{"100::1", false},
	} {
		err := Public(netip.MustParseAddr(c.addr))
		if (err == nil) != c.public || (err != nil && !errors.Is(err, ErrNotPublic)) {
			t.Errorf("Public(%s) = %v, want public %v", c.addr, err, c.public)
		}
	}
}

func TestOwnAddressRefused(t *testing.T) {
	own := netip.MustParseAddr("93.184.215.14")
	g := &Guard{Own: func() ([]netip.Addr, error) { return []netip.Addr{own}, nil }}
	if err := g.Check(own); !errors.Is(err, ErrNotPublic) {
		t.Fatalf("own address = %v", err)
	}
	if err := g.Check(netip.MustParseAddr("::ffff:93.184.215.14")); !errors.Is(err, ErrNotPublic) {
		t.Fatalf("own address, mapped = %v", err)
	}
	if err := g.Check(netip.MustParseAddr("8.8.8.8")); err != nil {
		t.Fatalf("other address = %v", err)
	}
	// The real interfaces: loopback is always among them.
	if err := (&Guard{}).Check(netip.MustParseAddr("127.0.0.1")); !errors.Is(err, ErrNotPublic) {
		t.Fatalf("loopback = %v", err)
	}
}

// TestTransport connects over loopback: directly it is refused; through a
// proxy (which may be local) each request's own host is checked first.
func TestTransport(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	g := &Guard{}

	direct := &http.Client{Transport: g.Transport(nil)}
	if _, err := direct.Get(srv.URL); !errors.Is(err, ErrNotPublic) {
		t.Fatalf("direct to loopback = %v", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the loopback server was reached")
	}

	proxyURL, _ := url.Parse(srv.URL)
	viaProxy := &http.Client{Transport: g.Transport(http.ProxyURL(proxyURL))}
	for _, target := range []string{"http://10.0.0.1/x", "http://100.64.1.1/x", "http://[64:ff9b::7f00:1]/x", "http://localhost/x"} {
		if _, err := viaProxy.Get(target); !errors.Is(err, ErrNotPublic) {
			t.Errorf("%s via proxy = %v", target, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the proxy was asked for a private host %d times", hits.Load())
	}
	resp, err := viaProxy.Get("http://93.184.215.14/x")
	if err != nil {
		t.Fatalf("public host via a local proxy: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("proxy hits = %d", hits.Load())
	}
}
