package setup

import (
	"net"
	"net/url"
	"strings"

	"github.com/wachan/wachan/pbx/asterisk"
)

// Params are wachan's ARI settings (config ari_*), where Asterisk reaches
// wachan's HTTP server, and where Asterisk's configuration lives.
type Params struct {
	URL       string // ari_url, e.g. http://127.0.0.1:8088/ari
	User      string // ari_user
	Password  string // ari_password; a secret, never printed
	App       string // ari_app
	Subscribe string // ari_subscribe, comma-separated event sources

	Listen    string // listen, e.g. 127.0.0.1:8080 or :8080
	PublicURL string // public_url, used when wachan serves HTTPS itself
	TLS       bool   // wachan serves HTTPS (tls_cert or acme)

	Dir     string // Asterisk's configuration directory; default /etc/asterisk
	FreePBX bool   // FreePBX generates the configuration: use its *_custom files
}

// SampleAddress is the SIP user part wachan gives a customer (channel 1,
// +44 7700 900001), used to test dialplan patterns.
const SampleAddress = "wa-1-447700900001"

// DefaultDir is Asterisk's usual configuration directory.
const DefaultDir = "/etc/asterisk"

// dir is the Asterisk configuration directory.
func (p Params) dir() string {
	if p.Dir == "" {
		return DefaultDir
	}
	return p.Dir
}

// path is name in the Asterisk configuration directory.
func (p Params) path(name string) string {
	return strings.TrimSuffix(p.dir(), "/") + "/" + name
}

// url is ari_url, or the usual one when it is not set.
func (p Params) url() string {
	if p.URL == "" {
		return "http://127.0.0.1:8088/ari"
	}
	return p.URL
}

// handoffURL is where Asterisk's CURL() reaches wachan's hand-off: over
// loopback (or the listen address) when wachan serves plain HTTP, through
// public_url when it serves HTTPS (its certificate names that host).
func (p Params) handoffURL() string {
	if p.TLS && p.PublicURL != "" {
		return strings.TrimSuffix(p.PublicURL, "/") + asterisk.HandoffPath
	}
	host, port, err := net.SplitHostPort(p.Listen)
	if err != nil || port == "" {
		host, port = "", "8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" || host == "localhost" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + asterisk.HandoffPath
}

// hostPort returns the host and port of the ARI URL, with Asterisk's
// defaults for what is missing.
func (p Params) hostPort() (host, port string) {
	host, port = "127.0.0.1", "8088"
	u, err := url.Parse(p.url())
	if err != nil || u.Host == "" {
		return host, port
	}
	if h, pt, err := net.SplitHostPort(u.Host); err == nil {
		return h, pt
	}
	if u.Scheme == "https" {
		return u.Host, "443"
	}
	return u.Host, "80"
}

func (p Params) user() string {
	if p.User == "" {
		return "wachan"
	}
	return p.User
}

func (p Params) app() string {
	if p.App == "" {
		return "wachan"
	}
	return p.App
}

// sources are the configured event sources.
func (p Params) sources() []string {
	var out []string
	for s := range strings.SplitSeq(p.Subscribe, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = []string{"endpoint:PJSIP"}
	}
	return out
}

// overlapping reports pairs of sources that make Asterisk deliver every
// event twice, such as endpoint:PJSIP with endpoint:PJSIP/1001.
func overlapping(sources []string) []string {
	var out []string
	for _, a := range sources {
		for _, b := range sources {
			if a != b && strings.HasPrefix(b, a+"/") {
				out = append(out, a+" + "+b)
			}
		}
	}
	return out
}
