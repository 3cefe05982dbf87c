package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

const (
	testAdminToken = "admin-token-for-tests-0123456789"
	testPNID       = "106540352242922"
	testWABA       = "102290129340398"
	testMetaToken  = "EAAG-permanent-system-user-token-XYZ"
	testAppSecret  = "app-secret-0123456789abcdef"
)

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testDaemon is the daemon's HTTP side wired like channel/daemon does, plus
// the backup route, on a loopback listener over a store in a temp dir.
type testDaemon struct {
	dir  string
	base string
	st   *store.Store
}

// startDaemon runs webhooks, the journal processor, the admin API and
// GET /api/v1/backup until the test ends. channels are stored first.
func startDaemon(t *testing.T, graphURL string, channels ...*store.Channel) *testDaemon {
	t.Helper()
	dir := t.TempDir()
	log := discardLog()
	st, err := store.Open(dir, store.Options{Timeout: time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *store.Tx) error {
		for _, ch := range channels {
			if err := tx.PutChannel(ch); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	graph := cloudapi.New(cloudapi.Options{BaseURL: graphURL})
	proc := ingest.NewProcessor(st, log, ingest.Hooks{})
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: api.ErrorHandler(log), BodyLimit: ingest.MaxBody})
	hash := api.HashToken(testAdminToken)
	app.Get("/api/v1/backup", func(c *fiber.Ctx) error {
		if c.Get("Authorization") != "Bearer "+testAdminToken {
			return api.ErrUnauthorized
		}
		return c.Next()
	}, api.BackupHandler(st))
	ingest.NewHandler(st, log, proc.Notify).Register(app)
	api.New(st, graph, outbox.New(st, graph, log, outbox.Options{}), log, api.Options{AdminTokenHash: hash}).Register(app)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { proc.Run(ctx) })
	wg.Go(func() { app.Listener(ln) })
	t.Cleanup(func() {
		app.ShutdownWithTimeout(2 * time.Second)
		cancel()
		wg.Wait()
		st.Close()
	})
	return &testDaemon{dir: dir, base: "http://" + ln.Addr().String(), st: st}
}

// wachan runs the command line with --config /dev/null placed after the
// command (and setup's target) and returns the exit code and outputs.
func wachan(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	n := 1
	if args[0] == "setup" && len(args) > 1 {
		n = 2 // setup asterisk
	}
	full := append(append(append([]string{}, args[:n]...), "--config", "/dev/null"), args[n:]...)
	var out, errb bytes.Buffer
	code := run(full, &out, &errb)
	return code, out.String(), errb.String()
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, got)
		}
	}
}
