package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/wachan/wachan/channel/doctor"
	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/pbx/setup"
	"github.com/wachan/wachan/store"
)

// daemonRunning reports whether a daemon holds the store in cfg.DataDir
// and answers /healthz at the admin URL.
func daemonRunning(cfg *config.Config, url string) (bool, string) {
	base := adminURL(cfg, url)
	st, err := store.Open(cfg.DataDir, store.Options{ReadOnly: true, Timeout: 200 * time.Millisecond}, slog.New(slog.DiscardHandler))
	if err == nil {
		st.Close()
		return false, base
	}
	if !errors.Is(err, store.ErrLocked) {
		return false, base
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(base + "/healthz")
	if err != nil {
		return false, base
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, base
}

func runDoctor(args []string, stdout, stderr io.Writer) int {
	extra, args, err := extraFlags(args, map[string]bool{"url": true})
	if err != nil {
		fmt.Fprintf(stderr, "wachan doctor: %v\n", err)
		return 2
	}
	cfg, rest, err := config.Load(args, os.LookupEnv)
	if err != nil || len(rest) > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected arguments %q", rest)
		}
		fmt.Fprintf(stdout, "FAIL config: %v\n     fix: see wachan help for the settings\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := doctor.New(doctor.Options{Config: cfg, AdminURL: adminURL(cfg, extra["url"]), AdminToken: cfg.AdminToken})
	if setup.Print(stdout, d.Run(ctx)) == setup.Fail {
		return 1
	}
	return 0
}
