package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// envOf returns a lookupEnv over m.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// writeFile writes content to name in a fresh temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	want := &Config{
		Listen: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080", DataDir: "/var/lib/wachan", MetricsListen: "127.0.0.1:9464",
		LogLevel: "info", LogFormat: "text", ACMEDirectory: "https://acme-v02.api.letsencrypt.org/directory",
		GraphURL: "https://graph.facebook.com", GraphVersion: "v25.0",
		SendRate: 80, SendDoubtWait: 2 * time.Minute, AgentMessageMax: 1000, SessionIdle: 24 * time.Hour,
		MediaMaxSize: 100_000_000, MediaRetention: 72 * time.Hour,
		ARIApp: "wachan", ARISubscribe: "endpoint:PJSIP",
		StoreTimeout: 2 * time.Second, ShutdownTimeout: 15 * time.Second,
	}
	want.origin = c.origin
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Default() =\n%+v\nwant\n%+v", c, want)
	}
}

// TestNames pins the environment variable names operators rely on.
func TestNames(t *testing.T) {
	want := []string{
		"WACHAN_LISTEN", "WACHAN_PUBLIC_URL", "WACHAN_DATA_DIR", "WACHAN_TLS_CERT", "WACHAN_TLS_KEY",
		"WACHAN_ACME", "WACHAN_ACME_EMAIL", "WACHAN_ACME_HOSTS", "WACHAN_ACME_DIRECTORY", "WACHAN_ACME_HTTP_LISTEN",
		"WACHAN_METRICS_LISTEN", "WACHAN_ADMIN_TOKEN", "WACHAN_LOG_LEVEL", "WACHAN_LOG_FORMAT", "WACHAN_GRAPH_URL",
		"WACHAN_GRAPH_VERSION", "WACHAN_SEND_RATE", "WACHAN_SEND_DOUBT_WAIT", "WACHAN_AGENT_MESSAGE_MAX", "WACHAN_SESSION_IDLE",
		"WACHAN_MEDIA_MAX_SIZE", "WACHAN_MEDIA_RETENTION", "WACHAN_MEDIA_FETCH_PRIVATE", "WACHAN_ARI_URL", "WACHAN_ARI_USER",
		"WACHAN_ARI_PASSWORD", "WACHAN_ARI_APP", "WACHAN_ARI_SUBSCRIBE", "WACHAN_STORE_TIMEOUT",
		"WACHAN_TIME_ZONE", "WACHAN_SHUTDOWN_TIMEOUT",
	}
	var got []string
	seen := map[uintptr]string{}
	var shared Config
	for _, o := range options() {
		got = append(got, o.env())
		// Every option must have its own field.
		ptr := reflect.ValueOf(o.field(&shared)).Pointer()
		if other, dup := seen[ptr]; dup {
			t.Errorf("%s and %s share a field", o.key, other)
		}
		seen[ptr] = o.key
		if (o.flag() == "") != o.secret {
			t.Errorf("%s: flag %q, secret %v: only secrets go without a flag", o.key, o.flag(), o.secret)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("env names = %v\nwant %v", got, want)
	}
	// Every exported field of Config is driven by the table.
	if n := reflect.TypeFor[Config]().NumField() - 1; n != len(options()) {
		t.Errorf("Config has %d option fields, table has %d options", n, len(options()))
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "wachan.toml", `
listen = "127.0.0.1:9001"
public_url = "https://file.example/"
send_rate = 10
session_idle = "1h"
media_max_size = "5MiB"
log_level = "debug"
`)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(*Config)
		src  map[string]string // key -> expected provenance
	}{
		{
			name: "file over defaults",
			args: []string{"--config", file},
			want: func(c *Config) {
				c.Listen, c.PublicURL, c.SendRate = "127.0.0.1:9001", "https://file.example", 10
				c.SessionIdle, c.MediaMaxSize, c.LogLevel = time.Hour, 5<<20, "debug"
			},
			src: map[string]string{"listen": "file " + file, "data_dir": "default"},
		},
		{
			name: "env over file",
			args: []string{"--config", file},
			env: map[string]string{
				"WACHAN_LISTEN": "127.0.0.1:9002", "WACHAN_SEND_RATE": "20",
				"WACHAN_SESSION_IDLE": "30m", "WACHAN_MEDIA_MAX_SIZE": "1000",
				"WACHAN_DATA_DIR": "/srv/wachan",
			},
			want: func(c *Config) {
				c.Listen, c.PublicURL, c.SendRate = "127.0.0.1:9002", "https://file.example", 20
				c.SessionIdle, c.MediaMaxSize, c.LogLevel = 30*time.Minute, 1000, "debug"
				c.DataDir = "/srv/wachan"
			},
			src: map[string]string{"listen": "env WACHAN_LISTEN", "public_url": "file " + file},
		},
		{
			name: "flag over env",
			args: []string{"--config", file, "--listen", "127.0.0.1:9003", "-send-rate=30",
				"--session-idle", "2h", "--media-max-size", "1MB", "--public-url", "https://flag.example/x/"},
			env: map[string]string{"WACHAN_LISTEN": "127.0.0.1:9002", "WACHAN_SEND_RATE": "20"},
			want: func(c *Config) {
				c.Listen, c.PublicURL, c.SendRate = "127.0.0.1:9003", "https://flag.example/x", 30
				c.SessionIdle, c.MediaMaxSize, c.LogLevel = 2*time.Hour, 1_000_000, "debug"
			},
			src: map[string]string{"listen": "flag --listen", "send_rate": "flag --send-rate"},
		},
		{
			name: "file named by WACHAN_CONFIG",
			env:  map[string]string{"WACHAN_CONFIG": file},
			want: func(c *Config) {
				c.Listen, c.PublicURL, c.SendRate = "127.0.0.1:9001", "https://file.example", 10
				c.SessionIdle, c.MediaMaxSize, c.LogLevel = time.Hour, 5<<20, "debug"
			},
		},
		{
			name: "empty env string overrides file",
			args: []string{"--config", file},
			env:  map[string]string{"WACHAN_LOG_LEVEL": ""},
			want: func(c *Config) {
				c.Listen, c.PublicURL, c.SendRate = "127.0.0.1:9001", "https://file.example", 10
				c.SessionIdle, c.MediaMaxSize, c.LogLevel = time.Hour, 5<<20, ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest, err := load(tt.args, envOf(tt.env), filepath.Join(t.TempDir(), "absent.toml"))
			if err != nil {
				t.Fatal(err)
			}
			if len(rest) != 0 {
				t.Errorf("remaining args = %q, want none", rest)
			}
			want := Default()
			tt.want(want)
			want.origin = got.origin
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, want)
			}
			for k, s := range tt.src {
				if got.source(k) != s {
					t.Errorf("source(%s) = %q, want %q", k, got.source(k), s)
				}
			}
		})
	}
}

func TestBoolOption(t *testing.T) {
	file := writeFile(t, "wachan.toml", "acme = true\n")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want bool
		src  string
	}{
		{"default", nil, nil, false, "default"},
		{"file", []string{"--config", file}, nil, true, "file " + file},
		{"env over file", []string{"--config", file}, map[string]string{"WACHAN_ACME": "false"}, false, "env WACHAN_ACME"},
		{"flag over env", []string{"--acme=true"}, map[string]string{"WACHAN_ACME": "0"}, true, "flag --acme"},
		{"flag with separate value", []string{"--acme", "false", "run"}, map[string]string{"WACHAN_ACME": "1"}, false, "flag --acme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := load(tt.args, envOf(tt.env), filepath.Join(t.TempDir(), "absent.toml"))
			if err != nil {
				t.Fatal(err)
			}
			if c.ACME != tt.want || c.source("acme") != tt.src {
				t.Errorf("ACME = %v from %q, want %v from %q", c.ACME, c.source("acme"), tt.want, tt.src)
			}
		})
	}
}

func TestACMEHostNames(t *testing.T) {
	tests := []struct {
		hosts, publicURL string
		want             []string
	}{
		{"", "https://PBX.Example.com:8443/wachan", []string{"pbx.example.com"}},
		{" wa.example.com ,PBX.example.com.,wa.example.com", "https://pbx.example.com", []string{"wa.example.com", "pbx.example.com"}},
		{",", "https://pbx.example.com", []string{"pbx.example.com"}},
	}
	for _, tt := range tests {
		c := Default()
		c.ACMEHosts, c.PublicURL = tt.hosts, tt.publicURL
		if got := c.ACMEHostNames(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ACMEHostNames(%q, %q) = %q, want %q", tt.hosts, tt.publicURL, got, tt.want)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings of the error
	}{
		{"unknown key", "listen = \"127.0.0.1:1\"\n\nlisten_addr = \"x\"\n", []string{`:3: unknown key "listen_addr"`}},
		{"unknown table", "[ari]\nurl = \"http://x\"\n", []string{`:1: unknown key "ari"`}},
		{"several problems", "bogus = 1\nsend_rate = \"fast\"\n", []string{
			`:1: unknown key "bogus"`, `:2: send_rate: want an integer, got string "fast"`}},
		{"string wanted", "listen = 8080\n", []string{`:1: listen: want a string, got integer 8080`}},
		{"bare duration", "session_idle = 24\n", []string{`session_idle: want a duration string like "24h", got integer 24`}},
		{"bad duration", "store_timeout = \"soon\"\n", []string{`store_timeout: want a duration like`}},
		{"bad size", "media_max_size = \"lots\"\n", []string{`media_max_size: want a size like`}},
		{"float size", "media_max_size = 1.5\n", []string{`media_max_size: want a size like "100MB" or a number of bytes, got float 1.5`}},
		{"bool wanted", "acme = \"yes\"\n", []string{`:1: acme: want true or false, got string "yes"`}},
		{"syntax", "listen = \n", []string{"parsing config file", "line 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "wachan.toml", tt.content)
			_, _, err := Load([]string{"--config", p}, nil)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestConfigFileMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.toml")
	t.Run("explicit flag", func(t *testing.T) {
		_, _, err := load([]string{"--config", missing}, nil, DefaultPath)
		if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
			t.Errorf("err = %v, want a not-exist error naming %s", err, missing)
		}
	})
	t.Run("explicit env", func(t *testing.T) {
		_, _, err := load(nil, envOf(map[string]string{"WACHAN_CONFIG": missing}), DefaultPath)
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v, want a not-exist error", err)
		}
	})
	t.Run("default path", func(t *testing.T) {
		c, _, err := load(nil, nil, missing)
		if err != nil {
			t.Fatalf("missing default file: %v", err)
		}
		if err := c.Validate(); err != nil {
			t.Error(err)
		}
	})
	t.Run("default path present", func(t *testing.T) {
		p := writeFile(t, "wachan.toml", `data_dir = "/tmp/w"`)
		c, _, err := load(nil, nil, p)
		if err != nil || c.DataDir != "/tmp/w" {
			t.Errorf("DataDir = %q, err = %v; want the default file read", c.DataDir, err)
		}
	})
}

func TestSecretFiles(t *testing.T) {
	token := "file-token-0123456789abcdef"
	tokenFile := writeFile(t, "token", token+"\n")
	passFile := writeFile(t, "pass", "pa ss\r\n")
	cfg := writeFile(t, "wachan.toml", `admin_token = "from-the-config-file-0000"`)

	c, _, err := Load([]string{"--config", cfg}, envOf(map[string]string{
		"WACHAN_ADMIN_TOKEN_FILE":  tokenFile,
		"WACHAN_ARI_PASSWORD_FILE": passFile,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.AdminToken != token || c.ARIPassword != "pa ss" {
		t.Errorf("AdminToken %q, ARIPassword %q; want the files' contents without the newline", c.AdminToken, c.ARIPassword)
	}
	if s := c.source("admin_token"); s != "env WACHAN_ADMIN_TOKEN_FILE" {
		t.Errorf("source = %q", s)
	}

	t.Run("both set", func(t *testing.T) {
		_, _, err := Load(nil, envOf(map[string]string{
			"WACHAN_CONFIG": cfg, "WACHAN_ADMIN_TOKEN": "x", "WACHAN_ADMIN_TOKEN_FILE": tokenFile,
		}))
		if err == nil || !strings.Contains(err.Error(), "WACHAN_ADMIN_TOKEN_FILE") {
			t.Errorf("err = %v, want both-set error", err)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		_, _, err := Load(nil, envOf(map[string]string{
			"WACHAN_CONFIG": cfg, "WACHAN_ARI_PASSWORD_FILE": filepath.Join(t.TempDir(), "none"),
		}))
		if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "WACHAN_ARI_PASSWORD_FILE") {
			t.Errorf("err = %v, want not-exist naming the variable", err)
		}
	})
	t.Run("no secret flags", func(t *testing.T) {
		for _, f := range []string{"--admin-token", "--ari-password"} {
			if _, _, err := Load([]string{"--config", cfg, f, "x"}, nil); err == nil {
				t.Errorf("%s accepted; secrets must not be flags", f)
			}
		}
	})
}

func TestEnvAndFlagErrors(t *testing.T) {
	cfg := writeFile(t, "wachan.toml", "")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"env int", nil, map[string]string{"WACHAN_SEND_RATE": "many"}, `env WACHAN_SEND_RATE: want an integer, got "many"`},
		{"env duration", nil, map[string]string{"WACHAN_SESSION_IDLE": "1 day"}, "env WACHAN_SESSION_IDLE: want a duration"},
		{"env size", nil, map[string]string{"WACHAN_MEDIA_MAX_SIZE": "5XB"}, "env WACHAN_MEDIA_MAX_SIZE: want a size"},
		{"env empty int", nil, map[string]string{"WACHAN_AGENT_MESSAGE_MAX": ""}, "env WACHAN_AGENT_MESSAGE_MAX"},
		{"env bool", nil, map[string]string{"WACHAN_ACME": "on"}, `env WACHAN_ACME: want true or false, got "on"`},
		{"flag int", []string{"--send-rate", "x"}, nil, `invalid value "x" for flag -send-rate`},
		{"flag bool", []string{"--acme", "maybe"}, nil, `invalid value "maybe" for flag -acme`},
		{"unknown flag", []string{"--nope"}, nil, "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(append([]string{"--config", cfg}, tt.args...), envOf(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		_, _, err := Load([]string{"-h"}, nil)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("err = %v, want flag.ErrHelp", err)
		}
	})
	t.Run("remaining args", func(t *testing.T) {
		_, rest, err := Load([]string{"--config", cfg, "--log-level", "warn", "install", "--now"}, nil)
		if err != nil || !reflect.DeepEqual(rest, []string{"install", "--now"}) {
			t.Errorf("rest = %q, err = %v", rest, err)
		}
	})
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	cert := writeFile(t, "cert.pem", "cert")
	key := writeFile(t, "key.pem", "key")
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string // "" = valid; else the start of the message
	}{
		{"listen no port", func(c *Config) { c.Listen = "localhost" }, `listen: must be host:port`},
		{"listen bad port", func(c *Config) { c.Listen = ":http" }, `listen: must be host:port`},
		{"listen any host", func(c *Config) { c.Listen = ":8080" }, ""},
		{"listen port 0", func(c *Config) { c.Listen = "127.0.0.1:0" }, ""},
		{"public_url relative", func(c *Config) { c.PublicURL = "x" }, `public_url: must be an absolute http(s) URL, got "x"`},
		{"public_url ftp", func(c *Config) { c.PublicURL = "ftp://h" }, `public_url: must be an absolute http(s) URL`},
		{"public_url query", func(c *Config) { c.PublicURL = "https://h/?a=1" }, `public_url: must be an absolute http(s) URL`},
		{"public_url path", func(c *Config) { c.PublicURL = "https://h.example/wachan" }, ""},
		{"data_dir empty", func(c *Config) { c.DataDir = "" }, "data_dir: must not be empty"},
		{"tls_cert missing file", func(c *Config) { c.TLSCert, c.TLSKey = filepath.Join(dir, "none"), key }, "tls_cert: checking file:"},
		{"tls_key directory", func(c *Config) { c.TLSCert, c.TLSKey = cert, dir }, "tls_key: "},
		{"tls_cert alone", func(c *Config) { c.TLSCert = cert }, "tls_cert, tls_key: set both or neither"},
		{"tls both", func(c *Config) { c.TLSCert, c.TLSKey = cert, key }, ""},
		{"acme", func(c *Config) { c.ACME, c.PublicURL = true, "https://pbx.example.com:8443" }, ""},
		{"acme with hosts", func(c *Config) {
			c.ACME, c.PublicURL, c.ACMEHosts = true, "https://PBX.example.com", "wa.example.com, pbx.example.com"
		}, ""},
		{"acme and tls_cert", func(c *Config) {
			c.ACME, c.PublicURL, c.TLSCert, c.TLSKey = true, "https://pbx.example.com", cert, key
		}, "acme: cannot be used with tls_cert"},
		{"acme http public_url", func(c *Config) { c.ACME, c.PublicURL = true, "http://pbx.example.com" }, "public_url: must be an https URL when acme is on"},
		{"acme public_url ip", func(c *Config) { c.ACME, c.PublicURL = true, "https://203.0.113.7" }, `public_url: no ACME certificate possible: "203.0.113.7" is an IP address`},
		{"acme public_url ipv6", func(c *Config) { c.ACME, c.PublicURL = true, "https://[2001:db8::1]:8443" }, `public_url: no ACME certificate possible: "2001:db8::1" is an IP address`},
		{"acme public_url localhost", func(c *Config) { c.ACME, c.PublicURL = true, "https://localhost:8443" }, `public_url: no ACME certificate possible: "localhost" is a local name`},
		{"acme public_url underscore", func(c *Config) { c.ACME, c.PublicURL = true, "https://pbx_1.example.com" }, `public_url: no ACME certificate possible: "pbx_1.example.com" contains an underscore`},
		{"acme public_url no dot", func(c *Config) { c.ACME, c.PublicURL = true, "https://pbx" }, `public_url: no ACME certificate possible: "pbx" has no dot`},
		{"acme_hosts without public host", func(c *Config) {
			c.ACME, c.PublicURL, c.ACMEHosts = true, "https://pbx.example.com", "wa.example.com"
		}, `acme_hosts: must include the host of public_url, "pbx.example.com"`},
		{"acme_hosts ip", func(c *Config) { c.ACMEHosts = "pbx.example.com,10.0.0.1" }, `acme_hosts: "10.0.0.1" is an IP address`},
		{"acme_hosts localhost", func(c *Config) { c.ACMEHosts = "localhost" }, `acme_hosts: "localhost" is a local name`},
		{"acme_hosts underscore", func(c *Config) { c.ACMEHosts = "my_pbx.example.com" }, `acme_hosts: "my_pbx.example.com" contains an underscore`},
		{"acme_hosts no dot", func(c *Config) { c.ACMEHosts = "pbx" }, `acme_hosts: "pbx" has no dot`},
		{"acme_hosts empty item", func(c *Config) { c.ACMEHosts = "pbx.example.com,," }, `acme_hosts: host name is empty`},
		{"acme_email", func(c *Config) { c.ACMEEmail = "ops" }, `acme_email: must be an email address like ops@example.com, got "ops"`},
		{"acme_email mailto", func(c *Config) { c.ACMEEmail = "mailto:ops@example.com" }, `acme_email: `},
		{"acme_email ok", func(c *Config) { c.ACMEEmail = "ops@example.com" }, ""},
		{"acme_directory", func(c *Config) { c.ACMEDirectory = "acme.example/dir" }, "acme_directory: must be an absolute http(s) URL"},
		{"acme_http_listen", func(c *Config) { c.ACME, c.PublicURL, c.ACMEHTTPListen = true, "https://pbx.example.com", "80" }, "acme_http_listen: must be host:port"},
		{"acme_http_listen without acme", func(c *Config) { c.ACMEHTTPListen = ":80" }, "acme_http_listen: needs acme = true"},
		{"acme_http_listen ok", func(c *Config) { c.ACME, c.PublicURL, c.ACMEHTTPListen = true, "https://pbx.example.com", ":80" }, ""},
		{"metrics_listen", func(c *Config) { c.MetricsListen = "9464" }, "metrics_listen: must be host:port"},
		{"metrics_listen same as listen", func(c *Config) { c.MetricsListen = c.Listen }, "metrics_listen: must be another address"},
		{"metrics_listen off", func(c *Config) { c.MetricsListen = "" }, ""},
		{"metrics_listen any host", func(c *Config) { c.MetricsListen = ":9464" }, ""},
		{"admin_token short", func(c *Config) { c.AdminToken = "short" }, "admin_token: must be at least 16 characters, got 5"},
		{"admin_token space", func(c *Config) { c.AdminToken = "0123456789 abcdef" }, "admin_token: must not contain spaces"},
		{"admin_token ok", func(c *Config) { c.AdminToken = "0123456789abcdef" }, ""},
		{"log_level", func(c *Config) { c.LogLevel = "trace" }, `log_level: must be one of debug, info, warn, error, got "trace"`},
		{"log_format", func(c *Config) { c.LogFormat = "xml" }, `log_format: must be one of text, json`},
		{"graph_url", func(c *Config) { c.GraphURL = "graph.facebook.com" }, "graph_url: must be an absolute http(s) URL"},
		{"graph_version", func(c *Config) { c.GraphVersion = "25.0" }, `graph_version: must be a version like "v25.0", got "25.0"`},
		{"graph_version patch", func(c *Config) { c.GraphVersion = "v25.0.1" }, "graph_version: "},
		{"send_rate low", func(c *Config) { c.SendRate = 0 }, "send_rate: must be between 1 and 1000, got 0"},
		{"send_rate high", func(c *Config) { c.SendRate = 1001 }, "send_rate: "},
		{"agent_message_max low", func(c *Config) { c.AgentMessageMax = 99 }, "agent_message_max: must be between 100 and 40000"},
		{"agent_message_max high", func(c *Config) { c.AgentMessageMax = 40001 }, "agent_message_max: "},
		{"session_idle", func(c *Config) { c.SessionIdle = 0 }, `session_idle: must be a positive duration, got "0s"`},
		{"send_doubt_wait", func(c *Config) { c.SendDoubtWait = -time.Second }, `send_doubt_wait: must be a positive duration, got "-1s"`},
		{"media_max_size big", func(c *Config) { c.MediaMaxSize = 100 << 20 }, "media_max_size: must be between 1 and 100MB, got 100MiB"},
		{"media_max_size zero", func(c *Config) { c.MediaMaxSize = 0 }, "media_max_size: "},
		{"media_retention", func(c *Config) { c.MediaRetention = -time.Hour }, "media_retention: must be a positive duration"},
		{"time_zone", func(c *Config) { c.TimeZone = "Europe/Atlantis" }, `time_zone: must be an IANA time zone like Europe/Berlin or UTC, got "Europe/Atlantis"`},
		{"ari_url", func(c *Config) { c.ARIURL = "127.0.0.1:8088" }, "ari_url: must be an absolute http(s) URL"},
		{"ari_user required", func(c *Config) { c.ARIURL, c.ARIPassword = "http://127.0.0.1:8088/ari", "p" }, "ari_user: required when ari_url is set"},
		{"ari_password required", func(c *Config) { c.ARIURL, c.ARIUser = "http://127.0.0.1:8088/ari", "u" }, "ari_password: required when ari_url is set"},
		{"ari complete", func(c *Config) { c.ARIURL, c.ARIUser, c.ARIPassword = "http://127.0.0.1:8088/ari", "u", "p" }, ""},
		{"ari_app", func(c *Config) { c.ARIApp = "my app" }, "ari_app: must be letters, digits"},
		{"ari_subscribe scheme", func(c *Config) { c.ARISubscribe = "foo:bar" }, `ari_subscribe: must be a comma-separated list`},
		{"ari_subscribe empty resource", func(c *Config) { c.ARISubscribe = "endpoint:PJSIP,channel:" }, `ari_subscribe: `},
		{"ari_subscribe list", func(c *Config) { c.ARISubscribe = "endpoint:PJSIP,deviceState:PJSIP/1001" }, ""},
		{"ari_subscribe empty", func(c *Config) { c.ARISubscribe = "" }, ""},
		{"store_timeout", func(c *Config) { c.StoreTimeout = 0 }, "store_timeout: must be a positive duration"},
		{"shutdown_timeout", func(c *Config) { c.ShutdownTimeout = 0 }, "shutdown_timeout: must be a positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("err = %v, want it to start with %q", err, tt.want)
			}
		})
	}
	t.Run("every validated key is covered", func(t *testing.T) {
		covered := map[string]bool{}
		for _, tt := range tests {
			if tt.want != "" {
				key, _, _ := strings.Cut(tt.want, ":")
				covered[key] = true
			}
		}
		for _, o := range options() {
			if o.check != nil && !covered[o.key] {
				t.Errorf("no failing case for %s", o.key)
			}
		}
	})
	t.Run("joins all problems", func(t *testing.T) {
		c := Default()
		c.SendRate, c.LogLevel, c.AdminToken = 0, "loud", "tiny-secret"
		err := c.Validate()
		for _, k := range []string{"send_rate:", "log_level:", "admin_token:"} {
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("err = %v, want it to mention %s", err, k)
			}
		}
		if strings.Contains(err.Error(), "tiny-secret") {
			t.Error("Validate echoed the admin token")
		}
	})
}

func TestPrint(t *testing.T) {
	const token, pass = "SeCrEt-admin-token-12345", "AriPaSsWoRd-789"
	cfg := writeFile(t, "wachan.toml", "log_level = \"warn\"\nacme = true\nari_password = \""+pass+"\"\n")
	c, _, err := Load([]string{"--config", cfg, "--send-rate", "5"}, envOf(map[string]string{
		"WACHAN_ADMIN_TOKEN": token, "WACHAN_ARI_URL": "http://127.0.0.1:8088/ari/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Print(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, s := range []string{token, pass, "SeCrEt", "PaSsWoRd"} {
		if strings.Contains(out, s) {
			t.Errorf("output contains secret %q:\n%s", s, out)
		}
	}
	for _, line := range []string{
		`listen = "127.0.0.1:8080" # default`,
		`log_level = "warn" # file ` + cfg,
		`acme = true # file ` + cfg,
		`acme_http_listen = "" # default`,
		`send_rate = 5 # flag --send-rate`,
		`ari_url = "http://127.0.0.1:8088/ari" # env WACHAN_ARI_URL`,
		`session_idle = "24h" # default`,
		`media_max_size = "100MB" # default`,
		`# admin_token = "********" # env WACHAN_ADMIN_TOKEN, secret`,
		`# ari_password = "********" # file ` + cfg + `, secret`,
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("output lacks line %q:\n%s", line, out)
		}
	}

	// The printout loads back to the same settings, secrets aside.
	back := writeFile(t, "printed.toml", out)
	c2, _, err := Load([]string{"--config", back}, nil)
	if err != nil {
		t.Fatalf("loading printed config: %v\n%s", err, out)
	}
	c2.AdminToken, c2.ARIPassword, c2.origin = c.AdminToken, c.ARIPassword, c.origin
	if !reflect.DeepEqual(c, c2) {
		t.Errorf("printed config loads as\n%+v\nwant\n%+v", c2, c)
	}

	t.Run("unset secret", func(t *testing.T) {
		var buf bytes.Buffer
		if err := Default().Print(&buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "\nadmin_token = \"\" # default\n") {
			t.Errorf("unset admin_token not shown as empty:\n%s", buf.String())
		}
	})
}

func TestUsage(t *testing.T) {
	var buf bytes.Buffer
	Usage(&buf)
	out := buf.String()
	for _, o := range options() {
		if !strings.Contains(out, o.env()+",") && !strings.Contains(out, o.env()+"_FILE") {
			t.Errorf("usage lacks %s", o.env())
		}
		if f := o.flag(); f != "" && !strings.Contains(out, "--"+f+" ") {
			t.Errorf("usage lacks --%s", f)
		}
		if !strings.Contains(out, o.help) {
			t.Errorf("usage lacks help of %s", o.key)
		}
	}
	for _, s := range []string{"WACHAN_CONFIG", "WACHAN_ADMIN_TOKEN_FILE", "(default 127.0.0.1:8080)", "(default 100MB)"} {
		if !strings.Contains(out, s) {
			t.Errorf("usage lacks %q", s)
		}
	}
}
