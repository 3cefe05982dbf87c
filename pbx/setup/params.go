package setup

import (
	"net"
	"net/url"
	"strings"
)

// Params are wachan's ARI settings (config ari_*).
type Params struct {
	URL       string // ari_url, e.g. http://127.0.0.1:8088/ari
	User      string // ari_user
	Password  string // ari_password; a secret, never printed
	App       string // ari_app
	Subscribe string // ari_subscribe, comma-separated event sources
}

// SampleAddress is the SIP user part wachan gives a customer, used to test
// dialplan patterns.
const SampleAddress = "wa-447700900001"

// hostPort returns the host and port of the ARI URL, with Asterisk's
// defaults for what is missing.
func (p Params) hostPort() (host, port string) {
	host, port = "127.0.0.1", "8088"
	u, err := url.Parse(p.URL)
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
