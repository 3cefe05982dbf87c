package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/loopback"
	"github.com/wachan/wachan/pbx/ariemu"
	"github.com/wachan/wachan/pbx/asterisk"
)

// TestMain lets a test run this binary as `wachan` in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("WACHAN_TEST_AS_WACHAN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// serveProcess starts `wachan serve` in a child process against emu and
// returns once it logged that its ARI subscription is in place.
func serveProcess(t *testing.T, emu *ariemu.Server, dataDir, listen string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--config", "/dev/null", "--listen", listen, "--public-url", "http://"+listen,
		"--data-dir", dataDir, "--ari-url", emu.URL(), "--ari-user", "ari", "--log-level", "info", "--metrics-listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "WACHAN_TEST_AS_WACHAN=1", "WACHAN_ARI_PASSWORD=ari", "WACHAN_ADMIN_TOKEN="+testAdminToken)
	w := &watcher{marker: `msg="ARI connected"`, seen: make(chan struct{})}
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	select {
	case <-w.seen:
	case <-time.After(time.Minute):
		t.Fatal("wachan never subscribed")
	}
	return cmd
}

// watcher is a child's stderr that closes seen once marker was written.
type watcher struct {
	marker string
	seen   chan struct{}
	mu     sync.Mutex
	buf    strings.Builder
	once   sync.Once
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

// A real wachan process, stopped with SIGTERM and killed with SIGKILL in
// turn, ten times: an agent's reply meanwhile is answered with the
// dialplan's notice, never accepted and dropped unnoticed, and every start
// holds exactly one subscription reference.
func TestAgentReplyWhileProcessIsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("starts wachan processes")
	}
	emu, err := ariemu.New(ariemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	emu.Register("1001")
	listen, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	emu.SetDialplan(ariemu.Handoff{URL: "http://" + listen + asterisk.HandoffPath, UserPwd: asterisk.HandoffUser + ":" + asterisk.HandoffSecret("ari"),
		Accepted: asterisk.HandoffAccepted, Notice: asterisk.HandoffNotice}.Extension("_wa-."))
	dataDir := t.TempDir()
	const addr = "wa-1-447700900001"

	notices := 0
	expectNotice := func(state string) {
		t.Helper()
		notices++
		if code := emu.PhoneSend("1001", addr, "reply while "+state); code != 202 {
			t.Fatalf("%s: SIP answer %d", state, code)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		got, err := emu.WaitInbox(ctx, "1001", notices)
		if err != nil || got[notices-1].Body != asterisk.HandoffNotice {
			t.Fatalf("%s: no notice: %+v %v", state, got, err)
		}
	}

	for i := range 10 {
		cmd := serveProcess(t, emu, dataDir, listen)
		if got := emu.SubscriptionRefs("wachan", "PJSIP"); got != 1 {
			t.Fatalf("start %d: %d subscription references", i+1, got)
		}
		if i%2 == 0 {
			cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("wachan after SIGTERM: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if err := emu.WaitAppState(ctx, "wachan", false, false); err != nil {
				t.Fatalf("SIGTERM left the application: %v", err)
			}
			cancel()
			expectNotice("stopped")
			continue
		}
		cmd.Process.Kill()
		cmd.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := emu.WaitAppState(ctx, "wachan", true, false); err != nil {
			t.Fatal(err)
		}
		cancel()
		missed := emu.Missed("wachan")
		expectNotice("killed")
		if emu.Missed("wachan") != missed+1 {
			t.Fatal("ARI did not drop its copy: the state is not the one a crash leaves")
		}
	}
}
