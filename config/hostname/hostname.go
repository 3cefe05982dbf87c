// Package hostname checks host names that wachan obtains certificates for
// and gives Meta as its webhook host. Both the settings and the certificate
// manager use it.
package hostname

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Check reports whether a public CA can issue a certificate for name
// and Meta accepts it as a webhook host: a fully qualified DNS name of at
// least two labels, letters, digits and hyphens only, not an IP address
// and not localhost. Upper-case letters are accepted; names are compared
// in lower case.
func Check(name string) error {
	switch {
	case name == "":
		return errors.New("host name is empty")
	case net.ParseIP(strings.Trim(name, "[]")) != nil:
		return fmt.Errorf("%q is an IP address; certificates need a DNS name", name)
	}
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	if n == "localhost" || strings.HasSuffix(n, ".localhost") {
		return fmt.Errorf("%q is a local name; certificates need a public DNS name", name)
	}
	if len(n) > 253 {
		return fmt.Errorf("%q is longer than 253 characters", name)
	}
	if strings.Contains(n, "_") {
		return fmt.Errorf("%q contains an underscore, which certificate authorities refuse", name)
	}
	labels := strings.Split(n, ".")
	if len(labels) < 2 {
		return fmt.Errorf("%q has no dot; use a fully qualified name like pbx.example.com", name)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return fmt.Errorf("%q has an empty or over-long label", name)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%q has a label starting or ending with a hyphen", name)
		}
		for _, c := range l {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return fmt.Errorf("%q contains %q; use letters, digits and hyphens (punycode for international names)", name, c)
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return fmt.Errorf("%q has an all-numeric last label; certificates need a DNS name", name)
	}
	return nil
}
