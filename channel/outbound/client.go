package outbound

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// Guard checks the addresses connected to: public (see Public) and not
// one of the host's own, which may be public yet reach the daemon's
// neighbours on the loopback interface.
type Guard struct {
	// Own lists the host's addresses; nil means the addresses of its
	// network interfaces, read at each check.
	Own func() ([]netip.Addr, error)
}

// Check returns nil if the guard lets a connection to a through.
func (g *Guard) Check(a netip.Addr) error {
	if err := Public(a); err != nil {
		return err
	}
	own := g.Own
	if own == nil {
		own = interfaceAddrs
	}
	addrs, err := own()
	if err != nil {
		return fmt.Errorf("listing the host's addresses: %w", err)
	}
	a = a.Unmap().WithZone("")
	for _, o := range addrs {
		if o.Unmap().WithZone("") == a {
			return fmt.Errorf("%s is this host's own address: %w", a, ErrNotPublic)
		}
	}
	return nil
}

func interfaceAddrs() ([]netip.Addr, error) {
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(ifs))
	for _, ia := range ifs {
		if p, err := netip.ParsePrefix(ia.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out, nil
}

// control checks the address a socket is about to connect to, after name
// resolution, so DNS cannot be used to get around the guard.
func (g *Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("checking address %q: %w", address, err)
	}
	return g.Check(ap.Addr())
}

// CheckHost resolves host (a name or an address literal) and checks every
// address it has.
func (g *Guard) CheckHost(ctx context.Context, host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
		return g.Check(a)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", host, err)
	}
	for _, a := range addrs {
		if err := g.Check(a); err != nil {
			return fmt.Errorf("%s: %w", host, err)
		}
	}
	return nil
}

// Transport returns an HTTP transport that connects only where g allows.
// With a proxy configured (proxy, usually http.ProxyFromEnvironment; nil
// for none) the proxy itself, set by the administrator, may be anywhere,
// and each request's host is resolved and checked before it is handed to
// the proxy.
func (g *Guard) Transport(proxy func(*http.Request) (*url.URL, error)) *http.Transport {
	var proxies sync.Map // "host:port" of proxies in use
	dial := &net.Dialer{Timeout: 10 * time.Second, Control: g.control}
	direct := &net.Dialer{Timeout: 10 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if _, ok := proxies.Load(addr); ok {
				return direct.DialContext(ctx, network, addr)
			}
			return dial.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
		DisableCompression:    true,
	}
	if proxy != nil {
		tr.Proxy = func(req *http.Request) (*url.URL, error) {
			u, err := proxy(req)
			if err != nil || u == nil {
				return u, err
			}
			if err := g.CheckHost(req.Context(), req.URL.Hostname()); err != nil {
				return nil, err
			}
			proxies.Store(hostPort(u), true)
			return u, nil
		}
	}
	return tr
}

// hostPort is the address the transport dials for proxy u.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}
