package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/store"
)

// extraFlags takes the flags in names (with a value unless the name maps to
// false) out of args, before config.Load sees them, and returns their
// values and the remaining arguments.
func extraFlags(args []string, names map[string]bool) (map[string]string, []string, error) {
	vals := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takesValue, ok := names[name]
		if !strings.HasPrefix(a, "-") || !ok {
			rest = append(rest, a)
			continue
		}
		switch {
		case !takesValue && hasVal:
			return nil, nil, fmt.Errorf("flag --%s takes no value", name)
		case !takesValue:
			val = "true"
		case !hasVal:
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			val = args[i]
		}
		vals[name] = val
	}
	return vals, rest, nil
}

// loadWithArgs loads the configuration like loadConfig but lets the
// command take positional arguments (how many: want) and, with validate
// false, accept an incomplete configuration.
func loadWithArgs(name string, args []string, want int, validate bool, stdout, stderr io.Writer) (*config.Config, []string, int) {
	cfg, rest, err := config.Load(args, os.LookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "Usage: wachan %s\n\n", commandUsage[name])
		config.Usage(stdout)
		return nil, nil, 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wachan %s: %v\n", name, err)
		return nil, nil, 2
	}
	if len(rest) != want {
		fmt.Fprintf(stderr, "wachan %s: usage: wachan %s\n", name, commandUsage[name])
		return nil, nil, 2
	}
	if !validate {
		return cfg, rest, 0
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "wachan %s: invalid configuration:\n%v\n", name, err)
		return nil, nil, 2
	}
	return cfg, rest, 0
}

// commandUsage is the synopsis of the operator commands.
var commandUsage = map[string]string{
	"backup":  "backup [--url URL] [flags] FILE",
	"restore": "restore [flags] FILE",
	"setup":   "setup asterisk [--freepbx] [--check] [--asterisk-dir DIR] [--clean APP] [flags]",
	"doctor":  "doctor [--url URL] [flags]",
}

// adminURL is the daemon's API base: url when given, else derived from the
// listen address (a wildcard host becomes loopback).
func adminURL(cfg *config.Config, url string) string {
	if url != "" {
		return strings.TrimRight(url, "/")
	}
	host, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return "http://" + cfg.Listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

func runBackup(args []string, stdout, stderr io.Writer) int {
	extra, args, err := extraFlags(args, map[string]bool{"url": true})
	if err != nil {
		fmt.Fprintf(stderr, "wachan backup: %v\n", err)
		return 2
	}
	cfg, rest, code := loadWithArgs("backup", args, 1, true, stdout, stderr)
	if cfg == nil {
		return code
	}
	dst := rest[0]
	how := "from " + cfg.DataDir
	err = store.BackupFile(cfg.DataDir, dst, cfg.StoreTimeout)
	if errors.Is(err, store.ErrLocked) {
		base := adminURL(cfg, extra["url"])
		how = "from the running daemon at " + base
		err = downloadBackup(base, cfg.AdminToken, dst)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wachan backup: %v\n", err)
		return 1
	}
	info, err := store.Inspect(dst, cfg.StoreTimeout)
	if err != nil {
		os.Remove(dst)
		fmt.Fprintf(stderr, "wachan backup: the copy is not usable, removed it: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup of %s written to %s: %d bytes, schema %d, %d channels, %d messages, %d journal entries, %d queued sends\n",
		how, dst, info.Size, info.SchemaVersion, info.Channels, info.Messages, info.Journal, info.Outbox)
	return 0
}

// downloadBackup fetches GET /api/v1/backup into dst.
func downloadBackup(base, token, dst string) error {
	if token == "" {
		return errors.New("the store is in use by a running daemon and no admin token is set: set WACHAN_ADMIN_TOKEN (or WACHAN_ADMIN_TOKEN_FILE) to download the backup through its API")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/backup", nil)
	if err != nil {
		return fmt.Errorf("building backup request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the store is in use and the daemon's API did not answer (pass --url if it listens elsewhere): %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return errors.New("the daemon refused the admin token (401): set WACHAN_ADMIN_TOKEN to the token the daemon printed on first start")
	case resp.StatusCode == http.StatusNotFound:
		return errors.New("the daemon has no backup endpoint (404): upgrade it, or stop it and run the backup again")
	case resp.StatusCode != http.StatusOK:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("the daemon answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	if err := store.WriteFileAtomic(dst, func(w io.Writer) error { _, err := io.Copy(w, resp.Body); return err }); err != nil {
		return fmt.Errorf("downloading backup: %w", err)
	}
	return nil
}

func runRestore(args []string, stdout, stderr io.Writer) int {
	cfg, rest, code := loadWithArgs("restore", args, 1, true, stdout, stderr)
	if cfg == nil {
		return code
	}
	info, err := store.Restore(cfg.DataDir, rest[0], cfg.StoreTimeout)
	switch {
	case errors.Is(err, store.ErrLocked):
		fmt.Fprintf(stderr, "wachan restore: a wachan daemon is running on %s: stop it first (systemctl stop wachan), restore, then start it again\n", cfg.DataDir)
		return 1
	case errors.Is(err, store.ErrNotStore):
		fmt.Fprintf(stderr, "wachan restore: refusing %s, it is not a usable wachan backup: %v\n", rest[0], err)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "wachan restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s into %s (schema %d, %d channels, %d messages); the previous store, if any, is kept as %s.bak\n",
		rest[0], cfg.DataDir, info.SchemaVersion, info.Channels, info.Messages, store.FileName)
	return 0
}
