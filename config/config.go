// Package config loads wachan's settings from defaults, a TOML file, WACHAN_*
// environment variables and command-line flags, in that order of precedence.
//
// One table (see options.go) drives everything: each option's TOML key,
// environment variable, flag, type, default, validator, help text and whether
// it is a secret. The table also generates the usage text, the example file
// wachan.example.toml and the masked printout of the effective configuration.
package config

import "time"

// DefaultPath is the configuration file read when neither --config nor
// WACHAN_CONFIG names one. It may be missing.
const DefaultPath = "/etc/wachan/wachan.toml"

// Config holds wachan's effective settings. Build one with Default or Load;
// Load does not validate, call Validate before use.
type Config struct {
	Listen    string // listen: host:port of the HTTP server
	PublicURL string // public_url: external base URL, no trailing slash
	DataDir   string // data_dir: directory for the database and media
	TLSCert   string // tls_cert: PEM certificate file; empty serves plain HTTP
	TLSKey    string // tls_key: PEM private key file for TLSCert

	ACME           bool   // acme: obtain certificates from an ACME CA
	ACMEEmail      string // acme_email: contact address registered with the CA
	ACMEHosts      string // acme_hosts: comma-separated host names; empty means public_url's host
	ACMEDirectory  string // acme_directory: the CA's ACME directory URL
	ACMEHTTPListen string // acme_http_listen: host:port of the http-01 listener; empty for none

	MetricsListen string // metrics_listen: host:port serving /metrics; empty serves none

	AdminToken   string // admin_token: secret; empty lets the daemon generate one
	LogLevel     string // log_level: debug, info, warn or error
	LogFormat    string // log_format: text or json
	GraphURL     string // graph_url: Graph API base URL, no trailing slash
	GraphVersion string // graph_version: pinned Graph API version such as v25.0

	SendRate          int           // send_rate: messages per second per number
	SendDoubtWait     time.Duration // send_doubt_wait: wait for proof before resending a send of unknown outcome
	AgentMessageMax   int           // agent_message_max: size above which messages to phones are split
	SessionIdle       time.Duration // session_idle: idle time that ends a conversation
	MediaMaxSize      int64         // media_max_size: largest media file in bytes
	MediaRetention    time.Duration // media_retention: how long media files are kept
	MediaFetchPrivate bool          // media_fetch_private: /send may fetch from private addresses

	ARIURL       string // ari_url: Asterisk ARI base URL; empty means no PBX (console only)
	ARIUser      string // ari_user: ARI user name
	ARIPassword  string // ari_password: secret ARI password
	ARIApp       string // ari_app: Stasis application name
	ARISubscribe string // ari_subscribe: comma-separated ARI event sources

	TimeZone string // time_zone: IANA zone of the panel's times and statistics' days; empty means the system's

	StoreTimeout    time.Duration // store_timeout: wait for the database file lock
	ShutdownTimeout time.Duration // shutdown_timeout: grace period for draining

	// origin maps a key to where its value came from, for Print.
	origin map[string]string
}

// Where a value came from, as shown by Print.
const (
	fromDefault = "default"
	fromFile    = "file"
	fromEnv     = "env"
	fromFlag    = "flag"
)

// Default returns a Config holding every option's default value.
func Default() *Config {
	c := &Config{origin: make(map[string]string)}
	for _, o := range options() {
		o.set(c, o.def, fromDefault)
	}
	return c
}

// source tells where the value of key came from; values set directly on the
// struct by a caller count as defaults.
func (c *Config) source(key string) string {
	if s, ok := c.origin[key]; ok {
		return s
	}
	return fromDefault
}
