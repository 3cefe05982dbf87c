package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/wachan/wachan/channel/demo"
)

// runDemo runs wachan against its emulators with a customer page until
// interrupted.
func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8090", "address of the customer page")
	panel := fs.String("panel-listen", "", "address of the panel and console (default: a free loopback port)")
	verbose := fs.Bool("v", false, "print the daemon's log")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "wachan demo: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var log *slog.Logger
	if *verbose {
		log = newLogger(stderr, "text", slog.LevelInfo)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	m := demo.New(demo.Options{Listen: *listen, PanelListen: *panel, Log: log, Version: version})
	if err := m.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "wachan demo: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, `wachan %s DEMO: WhatsApp and Asterisk are emulators on this machine; nothing
reaches Meta or a real PBX, and the data is thrown away when you stop (Ctrl-C).

  Customer page:  %s/
  Agent console:  %s/agent/   extension 1001, password %s (or 1002, 1003)
  Admin panel:    %s/admin/   admin token %s

Open the customer page and write as a WhatsApp customer.
`, version, m.PageURL, m.PanelURL, demo.AgentPassword("1001"), m.PanelURL, m.AdminToken)
	<-ctx.Done()
	fmt.Fprintln(stdout, "wachan demo: stopping")
	if err := m.Close(); err != nil {
		fmt.Fprintf(stderr, "wachan demo: %v\n", err)
		return 1
	}
	return 0
}
