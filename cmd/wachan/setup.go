package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx/setup"
)

func ariParams(cfg *config.Config) setup.Params {
	return setup.Params{URL: cfg.ARIURL, User: cfg.ARIUser, Password: cfg.ARIPassword, App: cfg.ARIApp, Subscribe: cfg.ARISubscribe,
		Listen: cfg.Listen, PublicURL: cfg.PublicURL, TLS: cfg.TLSCert != "" || cfg.ACME}
}

func runSetup(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "asterisk" {
		fmt.Fprintf(stderr, "wachan setup: usage: wachan %s\n", commandUsage["setup"])
		return 2
	}
	extra, args, err := extraFlags(args[1:], map[string]bool{"check": false, "freepbx": false, "asterisk-dir": true, "asterisk-etc": true, "clean": true})
	if err != nil {
		fmt.Fprintf(stderr, "wachan setup: %v\n", err)
		return 2
	}
	live := extra["check"] != "" || extra["clean"] != ""
	cfg, _, code := loadWithArgs("setup", args, 0, live, stdout, stderr)
	if cfg == nil {
		return code
	}
	p := ariParams(cfg)
	p.FreePBX = extra["freepbx"] != ""
	dir := extra["asterisk-dir"]
	if dir == "" {
		dir = extra["asterisk-etc"] // the flag's former name
	}
	p.Dir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := setup.NewARIClient(p, nil)
	if app := extra["clean"]; app != "" {
		return clean(ctx, c, cfg, app, stdout, stderr)
	}
	if extra["check"] == "" {
		setup.Guide(stdout, p)
		if dir != "" {
			fmt.Fprintf(stdout, "\nChecking %s:\n", dir)
			if setup.Print(stdout, setup.CheckFiles(p)) == setup.Fail {
				return 1
			}
		}
		return 0
	}
	results := c.Check(ctx)
	if !failed(results) {
		running, _ := daemonRunning(cfg, "")
		results = append(results, c.CheckApps(ctx, running)...)
	}
	if dir != "" {
		results = append(results, setup.CheckFiles(p)...)
	}
	if setup.Print(stdout, results) == setup.Fail {
		return 1
	}
	return 0
}

// clean removes every subscription reference of application app, refusing
// wachan's own while wachan runs.
func clean(ctx context.Context, c *setup.ARIClient, cfg *config.Config, app string, stdout, stderr io.Writer) int {
	if running, _ := daemonRunning(cfg, ""); running && app == cfg.ARIApp {
		fmt.Fprintf(stderr, "wachan setup: wachan is running and uses %s; stop it first (it removes its subscription when it stops)\n", app)
		return 1
	}
	removed, err := c.Clean(ctx, app)
	var parts []string
	for id, n := range removed {
		parts = append(parts, fmt.Sprintf("%s: %d", id, n))
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(stdout, "removed subscription references of %s (%s)\n", app, strings.Join(parts, ", "))
	if err != nil {
		fmt.Fprintf(stderr, "wachan setup: %v\n", err)
		return 1
	}
	return 0
}

func failed(results []setup.Result) bool {
	for _, r := range results {
		if r.Status == setup.Fail {
			return true
		}
	}
	return false
}
