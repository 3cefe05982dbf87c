package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/wachan/wachan/channel/daemon"
	"github.com/wachan/wachan/config"
)

func runServe(args []string, stdout, stderr io.Writer) int {
	cfg, code := loadConfig("serve", args, stdout, stderr)
	if cfg == nil {
		return code
	}
	level := new(slog.LevelVar)
	level.Set(parseLevel(cfg.LogLevel))
	log := newLogger(stderr, cfg.LogFormat, level)

	d, err := daemon.New(cfg, log, stdout)
	if err != nil {
		log.Error("starting wachan", slog.Any("error", err))
		return 1
	}
	d.SetVersion(version)
	addr, err := d.Listen()
	if err != nil {
		log.Error("starting wachan", slog.Any("error", err))
		return 1
	}
	scheme := "http"
	if cfg.TLSCert != "" || cfg.ACME {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "wachan %s: panel on %s://%s/, API on %s://%s/api/v1, webhooks at %s/webhook/app/<Meta app id>, data in %s\n",
		version, scheme, addr, scheme, addr, cfg.PublicURL, cfg.DataDir)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			reload(args, level, d, log)
		}
	}()
	if err := d.Run(ctx); err != nil {
		log.Error("wachan stopped", slog.Any("error", err))
		return 1
	}
	log.Info("wachan stopped")
	return 0
}

// reload applies what SIGHUP may change: the log level and TLS
// certificates.
func reload(args []string, level *slog.LevelVar, d *daemon.Daemon, log *slog.Logger) {
	cfg, _, err := config.Load(args, os.LookupEnv)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		log.Error("reload: configuration invalid, keeping the running one", slog.Any("error", err))
		return
	}
	level.Set(parseLevel(cfg.LogLevel))
	if err := d.Reload(); err != nil {
		log.Error("reload", slog.Any("error", err))
	}
	log.Info("configuration reloaded", slog.String("log_level", cfg.LogLevel))
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

func newLogger(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
