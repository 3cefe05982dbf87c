package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wachan/wachan/config"
)

const usage = `wachan — WhatsApp Business channel for Asterisk PBXs

Usage:
  wachan demo   [--listen ADDR]
                             try wachan in a minute: the daemon with emulated WhatsApp and Asterisk,
                             simulated phones and a customer page (throw-away data, loopback only)
  wachan serve   [flags]     run the daemon in the foreground
  wachan config  [flags]     print the effective configuration (secrets masked)
  wachan service ACTION      install|uninstall|start|stop|restart|status the system service
  wachan backup  [--url URL] FILE
                             copy the store to FILE, through the running daemon's API
                             (WACHAN_ADMIN_TOKEN) when it holds the store
  wachan restore FILE        replace the store with a backup (daemon stopped; old one kept as .bak)
  wachan setup asterisk [--freepbx] [--check] [--asterisk-dir DIR] [--clean APP]
                             print what Asterisk (or FreePBX) needs; --check verifies it through
                             ARI, --asterisk-dir checks its configuration files, --clean removes
                             every subscription of an ARI application
  wachan doctor  [--url URL] check config, store, ARI, channels, public URL, disk and clock;
                             for each channel it runs Connect (subscribes the Meta app to the
                             WABA if needed, reports registration and where webhooks go)
  wachan version             print the version
  wachan help                show this help and every setting

Settings come from defaults, the TOML file (--config, default /etc/wachan/wachan.toml),
WACHAN_* environment variables and flags, each overriding the one before.
`

// run is the whole program; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(rest, stdout, stderr)
	case "demo":
		return runDemo(rest, stdout, stderr)
	case "config":
		return runConfig(rest, stdout, stderr)
	case "service":
		return runService(rest, stdout, stderr)
	case "backup":
		return runBackup(rest, stdout, stderr)
	case "restore":
		return runRestore(rest, stdout, stderr)
	case "setup":
		return runSetup(rest, stdout, stderr)
	case "doctor":
		return runDoctor(rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "wachan %s\n", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		fmt.Fprintln(stdout)
		config.Usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "wachan: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

// loadConfig loads and validates the configuration from args and the
// environment; it prints problems to stderr and returns nil on failure.
func loadConfig(name string, args []string, stdout, stderr io.Writer) (*config.Config, int) {
	cfg, rest, err := config.Load(args, os.LookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "Usage: wachan %s [flags]\n\n", name)
		config.Usage(stdout)
		return nil, 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wachan %s: %v\n", name, err)
		return nil, 2
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "wachan %s: unexpected arguments %q\n", name, rest)
		return nil, 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "wachan %s: invalid configuration:\n%v\n", name, err)
		return nil, 2
	}
	return cfg, 0
}

func runConfig(args []string, stdout, stderr io.Writer) int {
	cfg, code := loadConfig("config", args, stdout, stderr)
	if cfg == nil {
		return code
	}
	if err := cfg.Print(stdout); err != nil {
		fmt.Fprintf(stderr, "wachan config: %v\n", err)
		return 1
	}
	return 0
}
