package config

import (
	"strings"
	"time"
)

// kind is the type of an option's value.
type kind int

const (
	kindString   kind = iota // string
	kindInt                  // int
	kindDuration             // time.Duration, written like "24h"
	kindSize                 // int64 bytes, written like "100MB" or "5MiB"
	kindBool                 // bool, written true or false
)

// option describes one setting. The environment variable and flag names are
// derived from key so the three spellings never drift apart.
type option struct {
	key    string // TOML key, snake_case
	kind   kind
	def    any  // default: string, int, time.Duration, int64 or bool by kind
	secret bool // masked by Print, no flag, may be read from <ENV>_FILE
	help   string
	// field returns a pointer to the Config field of the option's kind.
	field func(*Config) any
	// check validates a value of the option's kind; nil accepts anything.
	check func(any) error
	// norm rewrites a string value when it is set; may be nil.
	norm func(string) string
}

// env is the option's environment variable name.
func (o option) env() string { return "WACHAN_" + strings.ToUpper(o.key) }

// flag is the option's flag name, or "" for secrets, which are kept off
// command lines where other users could read them.
func (o option) flag() string {
	if o.secret {
		return ""
	}
	return strings.ReplaceAll(o.key, "_", "-")
}

const mb = 1000 * 1000

// options returns the table of all settings in the order they are printed.
func options() []option {
	return []option{
		{key: "listen", kind: kindString, def: "127.0.0.1:8080",
			help:  "Address the HTTP server listens on, host:port.",
			field: func(c *Config) any { return &c.Listen }, check: hostPort},
		{key: "public_url", kind: kindString, def: "http://127.0.0.1:8080",
			help:  "External base URL of this server, used to build webhook and media links.",
			field: func(c *Config) any { return &c.PublicURL }, check: absURL(false), norm: trimSlash},
		{key: "data_dir", kind: kindString, def: "/var/lib/wachan",
			help:  "Directory holding the database and media files.",
			field: func(c *Config) any { return &c.DataDir }, check: nonEmpty},
		{key: "tls_cert", kind: kindString, def: "",
			help:  "PEM certificate file for HTTPS; set together with tls_key, empty serves plain HTTP.",
			field: func(c *Config) any { return &c.TLSCert }, check: optionalFile},
		{key: "tls_key", kind: kindString, def: "",
			help:  "PEM private key file for tls_cert.",
			field: func(c *Config) any { return &c.TLSKey }, check: optionalFile},
		{key: "acme", kind: kindBool, def: false,
			help: "Obtain and renew the HTTPS certificate automatically from an ACME certificate authority (Let's Encrypt by default), " +
				"accepting its terms of service; certificates are kept in data_dir/acme. The CA must reach listen as port 443 of each host " +
				"(tls-alpn-01) or acme_http_listen as port 80 (http-01). Not with tls_cert.",
			field: func(c *Config) any { return &c.ACME }},
		{key: "acme_email", kind: kindString, def: "",
			help:  "Contact email address registered with the ACME certificate authority; optional.",
			field: func(c *Config) any { return &c.ACMEEmail }, check: optionalEmail},
		{key: "acme_hosts", kind: kindString, def: "",
			help:  "Comma-separated public host names to obtain certificates for; empty uses the host of public_url.",
			field: func(c *Config) any { return &c.ACMEHosts }, check: hostList},
		{key: "acme_directory", kind: kindString, def: "https://acme-v02.api.letsencrypt.org/directory",
			help:  "ACME directory URL of the certificate authority, like https://acme-staging-v02.api.letsencrypt.org/directory for testing.",
			field: func(c *Config) any { return &c.ACMEDirectory }, check: absURL(false)},
		{key: "acme_http_listen", kind: kindString, def: "",
			help:  `Address of a plain-HTTP listener, like ":80", answering ACME http-01 challenges and redirecting other requests to HTTPS; empty disables it.`,
			field: func(c *Config) any { return &c.ACMEHTTPListen }, check: optionalHostPort},
		{key: "metrics_listen", kind: kindString, def: "127.0.0.1:9464",
			help:  "Address of the listener serving Prometheus metrics at /metrics (not on listen), host:port; loopback by default, empty disables it.",
			field: func(c *Config) any { return &c.MetricsListen }, check: optionalHostPort},
		{key: "admin_token", kind: kindString, def: "", secret: true,
			help:  "Bearer token of the admin API and panel, at least 16 characters; empty generates one on first start.",
			field: func(c *Config) any { return &c.AdminToken }, check: token},
		{key: "log_level", kind: kindString, def: "info",
			help:  "Log level: debug, info, warn or error.",
			field: func(c *Config) any { return &c.LogLevel }, check: oneOf("debug", "info", "warn", "error")},
		{key: "log_format", kind: kindString, def: "text",
			help:  "Log format: text or json.",
			field: func(c *Config) any { return &c.LogFormat }, check: oneOf("text", "json")},
		{key: "graph_url", kind: kindString, def: "https://graph.facebook.com",
			help:  "Base URL of the WhatsApp Cloud API (Graph API).",
			field: func(c *Config) any { return &c.GraphURL }, check: absURL(false), norm: trimSlash},
		{key: "graph_version", kind: kindString, def: "v25.0",
			help:  "Graph API version pinned in every request, like v25.0.",
			field: func(c *Config) any { return &c.GraphVersion }, check: matches(`^v\d+\.\d+$`, `a version like "v25.0"`)},
		{key: "send_rate", kind: kindInt, def: 80,
			help:  "Messages per second sent through each WhatsApp number, 1 to 1000.",
			field: func(c *Config) any { return &c.SendRate }, check: intRange(1, 1000)},
		{key: "send_doubt_wait", kind: kindDuration, def: 2 * time.Minute,
			help: "After a crash or a broken connection during a send, how long to wait for Meta's status webhook " +
				"proving the message went out before sending it again.",
			field: func(c *Config) any { return &c.SendDoubtWait }, check: positive},
		{key: "agent_message_max", kind: kindInt, def: 1000,
			help:  "Size in bytes, 100 to 40000, above which a message to an agent's phone is split into numbered parts. (What agents type is limited by Asterisk: 1023 bytes.)",
			field: func(c *Config) any { return &c.AgentMessageMax }, check: intRange(100, 40000)},
		{key: "session_idle", kind: kindDuration, def: 24 * time.Hour,
			help:  "Idle time after which a customer conversation ends.",
			field: func(c *Config) any { return &c.SessionIdle }, check: positive},
		{key: "media_max_size", kind: kindSize, def: int64(100 * mb),
			help:  `Largest media file accepted or sent, like "100MB", "5MiB" or bytes; at most 100MB.`,
			field: func(c *Config) any { return &c.MediaMaxSize }, check: sizeRange(1, 100*mb)},
		{key: "media_retention", kind: kindDuration, def: 72 * time.Hour,
			help:  "How long downloaded media files are kept.",
			field: func(c *Config) any { return &c.MediaRetention }, check: positive},
		{key: "media_fetch_private", kind: kindBool, def: false,
			help:  "Let agents' /send links point at loopback and private-network addresses (intranet file servers); off by default so a link cannot reach into the PBX's network.",
			field: func(c *Config) any { return &c.MediaFetchPrivate }},
		{key: "ari_url", kind: kindString, def: "",
			help:  "Asterisk ARI base URL, like http://127.0.0.1:8088/ari; empty means no PBX: agents work in the web console only.",
			field: func(c *Config) any { return &c.ARIURL }, check: absURL(true), norm: trimSlash},
		{key: "ari_user", kind: kindString, def: "",
			help:  "ARI user name (ari.conf); required with ari_url.",
			field: func(c *Config) any { return &c.ARIUser }},
		{key: "ari_password", kind: kindString, def: "", secret: true,
			help:  "ARI password; required with ari_url.",
			field: func(c *Config) any { return &c.ARIPassword }},
		{key: "ari_app", kind: kindString, def: "wachan",
			help:  "Name of the ARI (Stasis) application.",
			field: func(c *Config) any { return &c.ARIApp }, check: matches(`^[A-Za-z0-9._-]+$`, "letters, digits, '.', '_' or '-'")},
		{key: "ari_subscribe", kind: kindString, def: "endpoint:PJSIP",
			help:  "Comma-separated ARI event sources to subscribe to, like endpoint:PJSIP.",
			field: func(c *Config) any { return &c.ARISubscribe }, check: eventSources},
		{key: "store_timeout", kind: kindDuration, def: 2 * time.Second,
			help:  "How long to wait for the database file lock at start.",
			field: func(c *Config) any { return &c.StoreTimeout }, check: positive},
		{key: "time_zone", kind: kindString, def: "",
			help:  "Time zone of the times the panel and console show and of the statistics' days, like Europe/Berlin; empty means the system's (the PBX's, when wachan runs beside it). The statistics also offer UTC.",
			field: func(c *Config) any { return &c.TimeZone }, check: timeZone},
		{key: "shutdown_timeout", kind: kindDuration, def: 15 * time.Second,
			help:  "How long to let requests and deliveries drain on shutdown.",
			field: func(c *Config) any { return &c.ShutdownTimeout }, check: positive},
	}
}

// get returns the option's current value in c.
func (o option) get(c *Config) any {
	switch p := o.field(c).(type) {
	case *string:
		return *p
	case *int:
		return *p
	case *time.Duration:
		return *p
	case *int64:
		return *p
	case *bool:
		return *p
	}
	panic("config: option " + o.key + " has an unsupported field type")
}

// set stores v, which must be of the option's kind, and records its source.
func (o option) set(c *Config, v any, src string) {
	switch p := o.field(c).(type) {
	case *string:
		s := v.(string)
		if o.norm != nil {
			s = o.norm(s)
		}
		*p = s
	case *int:
		*p = v.(int)
	case *time.Duration:
		*p = v.(time.Duration)
	case *int64:
		*p = v.(int64)
	case *bool:
		*p = v.(bool)
	default:
		panic("config: option " + o.key + " has an unsupported field type")
	}
	if c.origin == nil {
		c.origin = make(map[string]string)
	}
	c.origin[o.key] = src
}

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
