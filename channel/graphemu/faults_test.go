package graphemu

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/loopback"
)

// flakyReceiver answers the first fail webhooks with status and the rest
// with 200, recording every body it got.
type flakyReceiver struct {
	mu     sync.Mutex
	fail   int
	status int
	bodies [][]byte
	ok     [][]byte
}

func (f *flakyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies = append(f.bodies, b)
	if f.fail > 0 {
		f.fail--
		w.WriteHeader(f.status)
		return
	}
	f.ok = append(f.ok, b)
}

func (f *flakyReceiver) accepted() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.ok...)
}

func (f *flakyReceiver) attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var fastRetry = Retry{First: 10 * time.Millisecond, Max: 40 * time.Millisecond, Window: time.Minute}

func TestWebhookRedelivery(t *testing.T) {
	tests := []struct {
		name   string
		status int
		fail   int
	}{
		{"server error", http.StatusInternalServerError, 3},
		{"unavailable", http.StatusServiceUnavailable, 1},
		{"unauthorized", http.StatusUnauthorized, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recv := &flakyReceiver{fail: tt.fail, status: tt.status}
			srv := httptest.NewServer(recv)
			defer srv.Close()
			s, base := start(t, Options{Statuses: []string{"sent"}}, func(n *Number) { n.WebhookURL = srv.URL })
			s.SetWebhookRetry(fastRetry)
			status, _, _ := call(t, "POST", base+"/v25.0/"+pnid+"/messages", token,
				`{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"hi"},"biz_opaque_callback_data":"outbox-42"}`)
			if status != 200 {
				t.Fatalf("send: %d", status)
			}
			waitUntil(t, "the status webhook to be taken", func() bool { return len(recv.accepted()) == 1 })
			if got := recv.attempts(); got != tt.fail+1 {
				t.Errorf("%d attempts, want %d", got, tt.fail+1)
			}
			if b := recv.accepted()[0]; !bytes.Contains(b, []byte(`"biz_opaque_callback_data":"outbox-42"`)) {
				t.Errorf("status webhook lacks biz_opaque_callback_data: %s", b)
			}
			if s.PendingWebhooks() != 0 || s.DroppedWebhooks() != 0 {
				t.Errorf("pending %d, dropped %d", s.PendingWebhooks(), s.DroppedWebhooks())
			}
		})
	}
}

func TestWebhookRedeliveryWhenReceiverComesBack(t *testing.T) {
	// A port nobody listens on; the receiver starts there later.
	addr, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	s, _ := start(t, Options{}, func(n *Number) { n.WebhookURL = "http://" + addr + "/webhook" })
	s.SetWebhookRetry(Retry{First: 20 * time.Millisecond, Max: 20 * time.Millisecond, Window: time.Minute})
	wamid, body := s.InboundText(pnid, "5511912345678", "Ana", "are you there?")
	if !s.QueueInbound(pnid, body) {
		t.Fatal("QueueInbound refused")
	}
	waitUntil(t, "failed attempts", func() bool {
		n := 0
		for _, d := range s.Deliveries() {
			if d.Err != "" {
				n++
			}
		}
		return n >= 2
	})
	recv := &flakyReceiver{}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: recv}
	go srv.Serve(ln)
	defer srv.Close()
	s.RetryWebhooksNow()
	waitUntil(t, "redelivery", func() bool { return len(recv.accepted()) == 1 })
	if !bytes.Contains(recv.accepted()[0], []byte(wamid)) {
		t.Fatalf("redelivered body lacks %s", wamid)
	}
	if n := s.PendingWebhooks(); n != 0 {
		t.Fatalf("%d webhooks still queued after the 200", n)
	}
	if n := recv.attempts(); n != 1 {
		t.Fatalf("receiver got %d copies", n)
	}
}

func TestWebhookRetryWindow(t *testing.T) {
	recv := &flakyReceiver{fail: 1 << 30, status: http.StatusInternalServerError}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	s, _ := start(t, Options{}, func(n *Number) { n.WebhookURL = srv.URL })
	s.SetWebhookRetry(Retry{First: 5 * time.Millisecond, Max: 5 * time.Millisecond, Window: 60 * time.Millisecond})
	_, body := s.InboundText(pnid, "5511912345678", "Ana", "hi")
	s.QueueInbound(pnid, body)
	waitUntil(t, "the webhook to be dropped", func() bool { return s.DroppedWebhooks() == 1 })
	if n := recv.attempts(); n < 3 {
		t.Fatalf("only %d attempts in the window", n)
	}
	if s.PendingWebhooks() != 0 {
		t.Fatalf("%d still pending", s.PendingWebhooks())
	}

	// A zero window gives up after the first failure.
	s.SetWebhookRetry(Retry{})
	before := recv.attempts()
	s.QueueInbound(pnid, body)
	waitUntil(t, "the webhook to be dropped", func() bool { return s.DroppedWebhooks() == 2 })
	if n := recv.attempts() - before; n != 1 {
		t.Fatalf("%d attempts with redelivery off", n)
	}
}

func TestRetryWait(t *testing.T) {
	r := Retry{First: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := r.wait(i + 1); got != w*time.Millisecond {
			t.Errorf("wait(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
}

func TestFailSeq(t *testing.T) {
	s, base := start(t, Options{Statuses: []string{}}, nil)
	s.FailSeq(pnid, 131000, 130429, 131056)
	send := `{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"hi"}}`
	for _, want := range []struct{ status, code int }{{500, 131000}, {429, 130429}, {400, 131056}, {200, 0}} {
		status, out, _ := call(t, "POST", base+"/v25.0/"+pnid+"/messages", token, send)
		code, _ := errCode(out)
		if status != want.status || code != want.code {
			t.Fatalf("= %d code %d, want %d code %d", status, code, want.status, want.code)
		}
	}
	if s.PendingFaults(pnid) != 0 || s.SentCount(pnid) != 1 {
		t.Fatalf("pending %d, sent %d", s.PendingFaults(pnid), s.SentCount(pnid))
	}
}

func TestFaultProxyReset(t *testing.T) {
	s, base := start(t, Options{Statuses: []string{}}, nil)
	p, err := NewFaultProxy(base)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	send := func() (int, error) {
		req, _ := http.NewRequest("POST", p.URL()+"/v25.0/"+pnid+"/messages",
			strings.NewReader(`{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"hi"}}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := send(); err != nil || code != 200 {
		t.Fatalf("through the proxy: %d %v", code, err)
	}
	// The next request on the kept-alive connection is cut, and so is one
	// on a fresh connection.
	p.ResetNext(2)
	for i := range 2 {
		_, err := send()
		if err == nil {
			t.Fatalf("request %d was not cut", i)
		}
		if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
			t.Logf("request %d: %v", i, err)
		}
	}
	if code, err := send(); err != nil || code != 200 {
		t.Fatalf("after the fault: %d %v", code, err)
	}
	if got := s.SentCount(pnid); got != 2 {
		t.Fatalf("emulator accepted %d sends, want 2 (cut requests must never reach it)", got)
	}
	if p.Resets() != 2 {
		t.Fatalf("Resets = %d", p.Resets())
	}
}

func TestFaultProxyHang(t *testing.T) {
	s, base := start(t, Options{Statuses: []string{}}, nil)
	p, err := NewFaultProxy(base)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	send := func(timeout time.Duration) (int, error) {
		hc := &http.Client{Timeout: timeout}
		req, _ := http.NewRequest("POST", p.URL()+"/v25.0/"+pnid+"/messages",
			strings.NewReader(`{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"hi"}}`))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	p.HangNext(1)
	if _, err := send(200 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("hung request: %v, want a client timeout", err)
	}
	if code, err := send(time.Minute); err != nil || code != 200 {
		t.Fatalf("after the hang: %d %v", code, err)
	}
	if s.SentCount(pnid) != 1 || p.Hangs() != 1 {
		t.Fatalf("emulator accepted %d sends (want 1: the hung one never reached it), %d hangs", s.SentCount(pnid), p.Hangs())
	}
}
