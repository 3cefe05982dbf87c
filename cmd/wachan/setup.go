package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx/setup"
)

func ariParams(cfg *config.Config) setup.Params {
	return setup.Params{URL: cfg.ARIURL, User: cfg.ARIUser, Password: cfg.ARIPassword, App: cfg.ARIApp, Subscribe: cfg.ARISubscribe}
}

func runSetup(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "asterisk" {
		fmt.Fprintf(stderr, "wachan setup: usage: wachan %s\n", commandUsage["setup"])
		return 2
	}
	extra, args, err := extraFlags(args[1:], map[string]bool{"check": false, "asterisk-etc": true})
	if err != nil {
		fmt.Fprintf(stderr, "wachan setup: %v\n", err)
		return 2
	}
	cfg, _, code := loadWithArgs("setup", args, 0, extra["check"] != "", stdout, stderr)
	if cfg == nil {
		return code
	}
	p := ariParams(cfg)
	if extra["check"] == "" {
		setup.Guide(stdout, p)
		if dir := extra["asterisk-etc"]; dir != "" {
			fmt.Fprintf(stdout, "\nChecking %s:\n", dir)
			if setup.Print(stdout, setup.CheckFiles(dir, p)) == setup.Fail {
				return 1
			}
		}
		return 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := setup.NewARIClient(p, nil)
	results := c.Check(ctx)
	if !failed(results) {
		running, _ := daemonRunning(cfg, "")
		results = append(results, c.CheckApp(ctx, running))
	}
	if dir := extra["asterisk-etc"]; dir != "" {
		results = append(results, setup.CheckFiles(dir, p)...)
	}
	if setup.Print(stdout, results) == setup.Fail {
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
