package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/store"
)

func TestExtraFlags(t *testing.T) {
	names := map[string]bool{"url": true, "check": false}
	for _, tc := range []struct {
		args []string
		vals map[string]string
		rest []string
		bad  bool
	}{
		{[]string{"--url", "http://x", "--data-dir", "d", "f"}, map[string]string{"url": "http://x"}, []string{"--data-dir", "d", "f"}, false},
		{[]string{"-url=http://y", "--check", "f"}, map[string]string{"url": "http://y", "check": "true"}, []string{"f"}, false},
		{[]string{"--", "--url", "x"}, map[string]string{}, []string{"--", "--url", "x"}, false},
		{[]string{"--url"}, nil, nil, true},
		{[]string{"--check=yes"}, nil, nil, true},
	} {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			vals, rest, err := extraFlags(tc.args, names)
			if (err != nil) != tc.bad {
				t.Fatalf("err = %v", err)
			}
			if tc.bad {
				return
			}
			if fmt.Sprint(vals) != fmt.Sprint(tc.vals) || fmt.Sprint(rest) != fmt.Sprint(tc.rest) {
				t.Fatalf("got %v %v", vals, rest)
			}
		})
	}
}

func countStore(t *testing.T, dir string) (messages, journal int, received int64) {
	t.Helper()
	st, err := store.Open(dir, store.Options{Timeout: time.Second}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(func(tx *store.Tx) error {
		if _, err := tx.Channel("sales"); err != nil {
			return err
		}
		c, err := tx.SumCounts("sales", time.Time{}, time.Time{}, time.UTC)
		messages, journal, received = tx.MessageCount(), tx.JournalLen(), c.Received
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

// TestBackupThroughDaemonWhileWebhooksArrive takes a backup through the
// API while customers' webhooks are being journaled and applied, restores
// it into a fresh data directory and checks it is consistent.
func TestBackupThroughDaemonWhileWebhooksArrive(t *testing.T) {
	emu := graphemu.New(graphemu.Options{})
	emuURL, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	ch := &store.Channel{ID: "sales", Name: "Sales", PhoneNumberID: testPNID, WABAID: testWABA, AccessToken: testMetaToken, AppSecret: testAppSecret}
	d := startDaemon(t, emuURL, ch)
	if err := emu.AddNumber(graphemu.Number{PhoneNumberID: testPNID, WABAID: testWABA, Token: testMetaToken, AppSecret: testAppSecret,
		WebhookURL: d.base + "/webhook/sales"}); err != nil {
		t.Fatal(err)
	}

	var acked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, body := emu.InboundText(testPNID, fmt.Sprintf("4477009%05d", w*10000+i), "Ann", "hello")
				if code, err := emu.DeliverInbound(testPNID, body); err != nil || code != 200 {
					t.Errorf("webhook = %d, %v", code, err)
					return
				}
				acked.Add(1)
			}
		})
	}
	for acked.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	t.Setenv("WACHAN_ADMIN_TOKEN", testAdminToken)
	before := acked.Load()
	file := filepath.Join(t.TempDir(), "live.db")
	code, out, errOut := wachan(t, "backup", "--data-dir", d.dir, "--store-timeout", "100ms", "--url", d.base, file)
	after := acked.Load()
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup = %d: %s", code, errOut)
	}
	mustContain(t, "backup output", out, "from the running daemon at "+d.base, "schema ")
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v (it holds access tokens: 0600)", fi.Mode(), err)
	}

	restored := t.TempDir()
	if code, out, errOut := wachan(t, "restore", "--data-dir", restored, file); code != 0 {
		t.Fatalf("restore = %d: %s %s", code, out, errOut)
	}
	msgs, journal, received := countStore(t, restored)
	if int64(msgs) != received {
		t.Fatalf("restored store: %d messages but counters say %d received", msgs, received)
	}
	// Each of the 4 senders may have had one webhook journaled whose 200
	// it had not read yet when the backup ended.
	const inFlight = 4
	if total := int64(msgs + journal); total < before || total > after+inFlight {
		t.Fatalf("restored store holds %d messages + %d journaled, want between %d acknowledged and %d (acknowledged or in flight)", msgs, journal, before, after+inFlight)
	}
	t.Logf("backup during load: %d messages, %d journaled (acked %d..%d)", msgs, journal, before, after)
}

func TestBackupAndRestoreOffline(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	st.Update(func(tx *store.Tx) error {
		tx.PutChannel(&store.Channel{ID: "sales", AccessToken: testMetaToken})
		for range 5 {
			tx.AddMessage(&store.Message{ChannelID: "sales", Direction: store.Inbound, Type: "text"})
			tx.AddCounts("sales", time.Now(), store.Counts{Received: 1})
		}
		return nil
	})
	file := filepath.Join(t.TempDir(), "b.db")

	// Locked, no token: a clear message, nothing written.
	t.Setenv("WACHAN_ADMIN_TOKEN", "")
	code, _, errOut := wachan(t, "backup", "--data-dir", dir, "--store-timeout", "50ms", file)
	if code != 1 {
		t.Fatalf("backup of a locked store without a token = %d", code)
	}
	mustContain(t, "error", errOut, "WACHAN_ADMIN_TOKEN")
	st.Close()

	code, out, errOut := wachan(t, "backup", "--data-dir", dir, file)
	if code != 0 {
		t.Fatalf("backup = %d: %s", code, errOut)
	}
	mustContain(t, "backup output", out, "from "+dir, "1 channels, 5 messages")

	// Change the store, then restore the backup over it.
	st, _ = store.Open(dir, store.Options{}, discardLog())
	st.Update(func(tx *store.Tx) error { return tx.DeleteChannel("sales") })
	code, _, errOut = wachan(t, "restore", "--data-dir", dir, "--store-timeout", "50ms", file)
	if code != 1 {
		t.Fatalf("restore while running = %d", code)
	}
	mustContain(t, "restore error", errOut, "a wachan daemon is running on "+dir, "stop it first")
	st.Close()
	if code, _, errOut := wachan(t, "restore", "--data-dir", dir, file); code != 0 {
		t.Fatalf("restore = %d: %s", code, errOut)
	}
	msgs, _, received := countStore(t, dir)
	if msgs != 5 || received != 5 {
		t.Fatalf("restored: %d messages, %d received", msgs, received)
	}
	if _, err := store.Inspect(filepath.Join(dir, store.FileName+".bak"), time.Second); err != nil {
		t.Fatalf("the replaced store was not kept: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "bad.db")
	os.WriteFile(bad, []byte("hello"), 0o600)
	code, _, errOut = wachan(t, "restore", "--data-dir", dir, bad)
	if code != 1 {
		t.Fatalf("restore of junk = %d", code)
	}
	mustContain(t, "restore error", errOut, "not a usable wachan backup")
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		t.Fatal("backup vanished")
	}
}

func TestBackupThroughDaemonRefusesWrongToken(t *testing.T) {
	d := startDaemon(t, "http://127.0.0.1:1")
	t.Setenv("WACHAN_ADMIN_TOKEN", "wrong-token-but-long-enough-000")
	file := filepath.Join(t.TempDir(), "b.db")
	code, _, errOut := wachan(t, "backup", "--data-dir", d.dir, "--store-timeout", "50ms", "--url", d.base, file)
	if code != 1 {
		t.Fatalf("backup = %d", code)
	}
	mustContain(t, "error", errOut, "refused the admin token (401)")
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused backup left a file")
	}
}
