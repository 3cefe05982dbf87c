package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"
)

const usageHead = `wachan-load — load a wachan daemon with WhatsApp traffic over loopback

Usage:
  wachan-load [flags]

It starts a Graph API emulator and an ARI (Asterisk) emulator with one
simulated agent phone per channel on 127.0.0.1, writes a configuration for
the daemon pointing at them and runs "wachan serve" (--wachan) on a fresh
data directory (or --data-dir). It creates --channels channels through the
admin API, then posts signed webhooks from --customers customers at --rate
messages per second (0: as fast as --concurrency allows); each agent answers
every customer message from its phone, and the answers go out through the
daemon to the Graph emulator. Webhooks that fail are posted again with
backoff, as Meta does, unless --no-redeliver.

While running it prints one progress line a second. At the end it reports
messages per second, webhook acknowledgement latency (p50, p99, p99.9),
end-to-end latency from webhook to agent phone and from agent reply to the
Graph emulator (p50, p99), errors by kind, the daemon's resident memory
(VmRSS) idle before the load and at its peak, and the CPU it used.

With --console-streams, agents' web console event streams (live inbox views)
are held open during the load, from agent logins it creates (each from its
own loopback address), and their frames counted.

To load a daemon you run yourself, give --url and --admin-token, and start
the daemon with graph_url and ari_url pointing at --graph-addr and
--ari-addr (user and password "ari"). Every address must be on loopback.

Flags:
`

// options are the command-line settings.
type options struct {
	wachan      string
	dataDir     string
	listen      string
	url         string
	adminToken  string
	graphAddr   string
	ariAddr     string
	channels    int
	customers   int
	rate        float64
	count       int
	duration    time.Duration
	concurrency int
	media       float64
	noReply     bool
	noRedeliver bool
	sendRate    int
	drain       time.Duration
	verbose     bool
	console     int
}

// parseOptions reads args; it returns flag.ErrHelp after printing the
// usage for --help.
func parseOptions(args []string, stdout, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("wachan-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.wachan, "wachan", "wachan", "wachan binary to run (a path, or a name looked up in PATH)")
	fs.StringVar(&o.dataDir, "data-dir", "", "data directory for the daemon; default a temporary one, removed at the end")
	fs.StringVar(&o.listen, "listen", "", "loopback address for the daemon; default a free 127.0.0.1 port")
	fs.StringVar(&o.url, "url", "", "load an already running daemon at this loopback URL instead of starting one")
	fs.StringVar(&o.adminToken, "admin-token", "", "admin token of the daemon given by --url")
	fs.StringVar(&o.graphAddr, "graph-addr", "127.0.0.1:0", "loopback address of the Graph API emulator")
	fs.StringVar(&o.ariAddr, "ari-addr", "127.0.0.1:0", "loopback address of the ARI emulator")
	fs.IntVar(&o.channels, "channels", 1, "channels (WhatsApp numbers) to create, each routed to its own agent")
	fs.IntVar(&o.customers, "customers", 100, "distinct customers writing, spread over the channels")
	fs.Float64Var(&o.rate, "rate", 1000, "webhooks per second; 0 sends as fast as possible")
	fs.IntVar(&o.count, "count", 0, "stop after this many messages (0: no limit)")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: no limit; default 10s when --count is 0 too)")
	fs.IntVar(&o.concurrency, "concurrency", 64, "webhook requests in flight at most")
	fs.Float64Var(&o.media, "media", 0, "fraction (0 to 1) of messages sent as images with a caption")
	fs.BoolVar(&o.noReply, "no-reply", false, "agents read but do not answer")
	fs.BoolVar(&o.noRedeliver, "no-redeliver", false, "do not post failed webhooks again")
	fs.IntVar(&o.sendRate, "send-rate", 1000, "the channels' send_rate, messages per second per number (1 to 1000)")
	fs.DurationVar(&o.drain, "drain", 15*time.Second, "how long to wait after the last webhook for messages still in flight")
	fs.BoolVar(&o.verbose, "v", false, "show the daemon's log")
	fs.IntVar(&o.console, "console-streams", 0, "web console event streams (live inbox views, 16 per agent login) to hold open during the load")
	fs.Usage = func() {
		fmt.Fprint(stdout, usageHead)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.count == 0 && o.duration == 0 {
		o.duration = 10 * time.Second
	}
	return o, nil
}

// validate checks ranges and that every address is on loopback.
func (o *options) validate() error {
	switch {
	case o.channels < 1 || o.channels > 1000:
		return errors.New("--channels must be 1 to 1000")
	case o.customers < 1 || o.customers > 99999:
		return errors.New("--customers must be 1 to 99999")
	case o.rate < 0:
		return errors.New("--rate must not be negative")
	case o.count < 0 || o.duration < 0:
		return errors.New("--count and --duration must not be negative")
	case o.concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case o.media < 0 || o.media > 1:
		return errors.New("--media must be between 0 and 1")
	case o.sendRate < 1 || o.sendRate > 1000:
		return errors.New("--send-rate must be 1 to 1000")
	case o.console < 0 || o.console > 2000:
		return errors.New("--console-streams must be 0 to 2000")
	case o.url != "" && o.adminToken == "":
		return errors.New("--url needs --admin-token")
	}
	for _, a := range []struct{ flag, addr string }{
		{"--listen", o.listen}, {"--graph-addr", o.graphAddr}, {"--ari-addr", o.ariAddr},
	} {
		if a.addr == "" {
			continue
		}
		if err := checkLoopback(a.addr); err != nil {
			return fmt.Errorf("%s: %w", a.flag, err)
		}
	}
	if o.url != "" {
		u, err := url.Parse(o.url)
		if err != nil || u.Host == "" {
			return fmt.Errorf("--url: %q is not a URL", o.url)
		}
		if err := checkLoopback(u.Host); err != nil {
			return fmt.Errorf("--url: %w", err)
		}
	}
	return nil
}

// errNotLoopback is returned for addresses off the loopback interface.
var errNotLoopback = errors.New("only loopback addresses are allowed")

// checkLoopback accepts host:port (or a bare host) whose host is a loopback
// IP address or "localhost".
func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: %w", hostport, errNotLoopback)
	}
	return nil
}
