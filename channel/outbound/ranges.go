package outbound

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrNotPublic is returned for an address wachan does not connect to on
// others' behalf.
var ErrNotPublic = errors.New("address is not a public internet address")

// special is a range of IANA's IPv4 and IPv6 special-purpose address
// registries that is not globally reachable (RFC 6890 and its updates),
// plus multicast and the reserved blocks.
type special struct {
	prefix netip.Prefix
	name   string
}

var specials = func() []special {
	var out []special
	for _, s := range []struct{ prefix, name string }{
		{"0.0.0.0/8", "this network"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "shared address space (carrier-grade NAT)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol assignments"},
		{"192.0.2.0/24", "documentation"},
		{"192.31.196.0/24", "AS112"},
		{"192.52.193.0/24", "AMT"},
		{"192.88.99.0/24", "6to4 relay anycast"},
		{"192.168.0.0/16", "private"},
		{"192.175.48.0/24", "AS112"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"64:ff9b:1::/48", "local-use NAT64"},
		{"100::/64", "discard-only"},
		{"2001::/23", "IETF protocol assignments"},
		{"2001:db8::/32", "documentation"},
		{"2620:4f:8000::/48", "AS112"},
		{"3fff::/20", "documentation"},
		{"5f00::/16", "segment routing"},
		{"fc00::/7", "unique local"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
	} {
		out = append(out, special{netip.MustParsePrefix(s.prefix), s.name})
	}
	return out
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// Public returns nil if a is a globally reachable unicast address, or
// an error wrapping ErrNotPublic that names its range. IPv4 addresses
// carried in IPv6 (mapped, NAT64 64:ff9b::/96, 6to4) are judged as the
// IPv4 address they reach.
func Public(a netip.Addr) error {
	a = a.WithZone("")
	if !a.IsValid() {
		return fmt.Errorf("invalid address: %w", ErrNotPublic)
	}
	if a.Is4In6() {
		return Public(a.Unmap())
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return embedded(a, netip.AddrFrom4([4]byte(b[12:16])), "NAT64")
		case sixToFour.Contains(a):
			return embedded(a, netip.AddrFrom4([4]byte(b[2:6])), "6to4")
		}
	}
	for _, s := range specials {
		if s.prefix.Contains(a) {
			return fmt.Errorf("%s is in %s (%s): %w", a, s.prefix, s.name, ErrNotPublic)
		}
	}
	if !a.IsGlobalUnicast() {
		return fmt.Errorf("%s is not global unicast: %w", a, ErrNotPublic)
	}
	return nil
}

func embedded(outer, inner netip.Addr, how string) error {
	if err := Public(inner); err != nil {
		return fmt.Errorf("%s reaches %s by %s: %w", outer, inner, how, err)
	}
	return nil
}
