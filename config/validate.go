package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wachan/wachan/config/hostname"
)

// Validate checks every option and the rules between options. It reports all
// problems at once, joined; each one starts with the key it is about.
func (c *Config) Validate() error {
	var errs []error
	for _, o := range options() {
		if o.check == nil {
			continue
		}
		if err := o.check(o.get(c)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.key, err))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls_cert, tls_key: set both or neither"))
	}
	errs = append(errs, c.validateACME()...)
	if c.MetricsListen != "" && (c.MetricsListen == c.Listen || c.MetricsListen == c.ACMEHTTPListen) {
		errs = append(errs, errors.New("metrics_listen: must be another address than listen and acme_http_listen"))
	}
	if c.ARIURL != "" {
		if c.ARIUser == "" {
			errs = append(errs, errors.New("ari_user: required when ari_url is set"))
		}
		if c.ARIPassword == "" {
			errs = append(errs, errors.New("ari_password: required when ari_url is set"))
		}
	}
	return errors.Join(errs...)
}

// validateACME checks the rules between the acme keys, tls_cert and
// public_url.
func (c *Config) validateACME() []error {
	if !c.ACME {
		if c.ACMEHTTPListen != "" {
			return []error{errors.New("acme_http_listen: needs acme = true")}
		}
		return nil
	}
	var errs []error
	if c.TLSCert != "" || c.TLSKey != "" {
		errs = append(errs, errors.New("acme: cannot be used with tls_cert and tls_key; choose one"))
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || u.Host == "" {
		return errs // public_url's own check reports it
	}
	if u.Scheme != "https" {
		errs = append(errs, fmt.Errorf("public_url: must be an https URL when acme is on, got %q", c.PublicURL))
	}
	public := strings.ToLower(u.Hostname())
	if c.ACMEHosts == "" {
		if err := hostname.Check(public); err != nil {
			errs = append(errs, fmt.Errorf("public_url: no ACME certificate possible: %w; set acme_hosts or use a public host name", err))
		}
		return errs
	}
	if !slices.Contains(c.ACMEHostNames(), strings.TrimSuffix(public, ".")) {
		errs = append(errs, fmt.Errorf("acme_hosts: must include the host of public_url, %q", public))
	}
	return errs
}

// ACMEHostNames returns the host names to obtain certificates for: the
// acme_hosts list, lower-cased, or else the host of public_url.
func (c *Config) ACMEHostNames() []string {
	var hosts []string
	for h := range strings.SplitSeq(c.ACMEHosts, ",") {
		if h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), ".")); h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		if u, err := url.Parse(c.PublicURL); err == nil && u.Hostname() != "" {
			hosts = append(hosts, strings.ToLower(u.Hostname()))
		}
	}
	return hosts
}

// hostList accepts "" or a comma-separated list of host names a public CA
// can issue certificates for.
func hostList(v any) error {
	s := v.(string)
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for h := range strings.SplitSeq(s, ",") {
		if err := hostname.Check(strings.TrimSpace(h)); err != nil {
			return err
		}
	}
	return nil
}

// optionalEmail accepts "" or one plain address like ops@example.com.
func optionalEmail(v any) error {
	s := v.(string)
	if s == "" {
		return nil
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(s, " \t<>,;:\"") || strings.Contains(domain, "@") {
		return fmt.Errorf("must be an email address like ops@example.com, got %q", s)
	}
	return nil
}

// optionalHostPort accepts "" or host:port.
func optionalHostPort(v any) error {
	if v.(string) == "" {
		return nil
	}
	return hostPort(v)
}

func nonEmpty(v any) error {
	if v.(string) == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func hostPort(v any) error {
	s := v.(string)
	_, port, err := net.SplitHostPort(s)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return fmt.Errorf("must be host:port, like 127.0.0.1:8080, got %q", s)
	}
	return nil
}

// absURL accepts an absolute http or https URL without query or fragment;
// with optional, the empty string too.
func absURL(optional bool) func(any) error {
	return func(v any) error {
		s := v.(string)
		if s == "" && optional {
			return nil
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("must be an absolute http(s) URL, got %q", s)
		}
		return nil
	}
}

func oneOf(allowed ...string) func(any) error {
	return func(v any) error {
		if s := v.(string); !slices.Contains(allowed, s) {
			return fmt.Errorf("must be one of %s, got %q", strings.Join(allowed, ", "), s)
		}
		return nil
	}
}

// matches accepts strings matching pattern, described to the user as what.
func matches(pattern, what string) func(any) error {
	re := regexp.MustCompile(pattern)
	return func(v any) error {
		if s := v.(string); !re.MatchString(s) {
			return fmt.Errorf("must be %s, got %q", what, s)
		}
		return nil
	}
}

func intRange(lo, hi int) func(any) error {
	return func(v any) error {
		if n := v.(int); n < lo || n > hi {
			return fmt.Errorf("must be between %d and %d, got %d", lo, hi, n)
		}
		return nil
	}
}

func sizeRange(lo, hi int64) func(any) error {
	return func(v any) error {
		if n := v.(int64); n < lo || n > hi {
			return fmt.Errorf("must be between %s and %s, got %s (%d bytes)",
				formatSize(lo), formatSize(hi), formatSize(n), n)
		}
		return nil
	}
}

// timeZone accepts "" or an IANA time zone name.
func timeZone(v any) error {
	s := v.(string)
	if s == "" {
		return nil
	}
	if _, err := loadZone(s); err != nil || s == "Local" {
		return fmt.Errorf("must be an IANA time zone like Europe/Berlin or UTC, got %q", s)
	}
	return nil
}

func positive(v any) error {
	if d := v.(time.Duration); d <= 0 {
		return fmt.Errorf("must be a positive duration, got %q", formatDuration(d))
	}
	return nil
}

// optionalFile accepts "" or the name of an existing regular file.
func optionalFile(v any) error {
	s := v.(string)
	if s == "" {
		return nil
	}
	fi, err := os.Stat(s)
	if err != nil {
		return fmt.Errorf("checking file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%q is not a regular file", s)
	}
	return nil
}

// token accepts "" (the daemon generates a token) or at least 16 characters
// without spaces. The value is never echoed.
func token(v any) error {
	s := v.(string)
	if s == "" {
		return nil
	}
	if len(s) < 16 {
		return fmt.Errorf("must be at least 16 characters, got %d", len(s))
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return errors.New("must not contain spaces")
	}
	return nil
}

// eventSources accepts "" or a comma-separated list of ARI event sources,
// scheme:resource, with one of the schemes Asterisk knows.
func eventSources(v any) error {
	s := v.(string)
	if s == "" {
		return nil
	}
	for src := range strings.SplitSeq(s, ",") {
		scheme, res, ok := strings.Cut(src, ":")
		if !ok || res == "" || !slices.Contains([]string{"channel", "bridge", "endpoint", "deviceState"}, scheme) {
			return fmt.Errorf("must be a comma-separated list of channel:, bridge:, endpoint: or deviceState: sources, got %q", src)
		}
	}
	return nil
}
