package asterisk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/pbx/ariemu"
)

// harness runs an Adapter against an emulator and collects its callbacks.
type harness struct {
	emu  *ariemu.Server
	ad   *Adapter
	msgs chan pbx.TextMessage
	eps  chan pbx.EndpointState
	conn chan bool
	done chan error
}

// newHarness starts an emulator where the phones of registered are
// registered, and an adapter running against it.
func newHarness(t *testing.T, mutate func(*Options), registered ...string) *harness {
	t.Helper()
	emu, err := ariemu.New(ariemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	for _, ext := range registered {
		if err := emu.Register(ext); err != nil {
			t.Fatal(err)
		}
	}
	h := &harness{
		emu:  emu,
		msgs: make(chan pbx.TextMessage, 100),
		eps:  make(chan pbx.EndpointState, 100),
		conn: make(chan bool, 100),
		done: make(chan error, 1),
	}
	opts := Options{
		URL: emu.URL(), User: "ari", Password: "ari", App: "wachan",
		OnMessage:   func(m pbx.TextMessage) { h.msgs <- m },
		OnEndpoint:  func(s pbx.EndpointState) { h.eps <- s },
		OnConnected: func(up bool) { h.conn <- up },
		MinBackoff:  10 * time.Millisecond,
		MaxBackoff:  100 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&opts)
	}
	h.ad = New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { h.done <- h.ad.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// waitUp waits for OnConnected(true) and the application to be active.
func (h *harness) waitUp(t *testing.T) {
	t.Helper()
	if !recv(t, h.conn, "connected") {
		t.Fatal("first connection report is false")
	}
	if !h.ad.Connected() {
		t.Fatal("Connected() is false after OnConnected(true)")
	}
}

// noMore checks that nothing else was queued on ch after a later event
// that the adapter processed in order.
func noMore[T any](t *testing.T, ch <-chan T) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected extra callback: %+v", v)
	default:
	}
}

func TestMessagesFromPhones(t *testing.T) {
	h := newHarness(t, nil, "1001")
	h.waitUp(t)
	long := strings.Repeat("abcdefghij", 90)
	tests := []struct {
		name, body string
		oversize   bool
		cl         int
	}{
		{"ascii", "hello", false, 5},
		{"utf8", "Grüße 👋 你好", false, 19},
		{"900 bytes", long, false, 900},
		{"1023 bytes", strings.Repeat("x", 1023), false, 1023},
		{"oversize", strings.Repeat("y", 1500), true, 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := h.emu.PhoneSend("1001", "wa-447700900001", tt.body); code != 202 {
				t.Fatalf("SIP answer %d", code)
			}
			m := recv(t, h.msgs, "message")
			want := tt.body
			if tt.oversize {
				want = ""
			}
			if m.From != "1001" || m.To != "wa-447700900001" || m.Body != want || m.Oversize != tt.oversize || m.ContentLength != tt.cl {
				t.Fatalf("got %+v", m)
			}
			if time.Since(m.Time) > time.Minute || time.Since(m.Time) < -time.Minute {
				t.Fatalf("bad time %v", m.Time)
			}
		})
	}
}

func TestInternalMessagesIgnored(t *testing.T) {
	h := newHarness(t, nil, "1001")
	h.waitUp(t)
	if code := h.emu.PhoneSend("1001", "1002", "for the dialplan"); code != 202 {
		t.Fatalf("SIP answer %d", code)
	}
	h.emu.PhoneSend("1001", "+447700900001", "not ours either")
	h.emu.PhoneSend("1001", "wa-1", "ours")
	if m := recv(t, h.msgs, "message"); m.Body != "ours" {
		t.Fatalf("first delivered message is %+v", m)
	}
}

func TestCustomPrefix(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.AddressPrefix = "whatsapp_" }, "1001")
	h.waitUp(t)
	h.emu.PhoneSend("1001", "wa-1", "default prefix is not ours now")
	h.emu.PhoneSend("1001", "whatsapp_44", "ours")
	if m := recv(t, h.msgs, "message"); m.To != "whatsapp_44" {
		t.Fatalf("got %+v", m)
	}
}

func TestDuplicatesDeliveredOnce(t *testing.T) {
	h := newHarness(t, func(o *Options) {
		o.Subscribe = []string{"endpoint:PJSIP", "endpoint:PJSIP/1001"}
	}, "1001")
	h.waitUp(t)
	h.emu.PhoneSend("1001", "wa-1", "once")
	h.emu.PhoneSend("1001", "wa-1", "twice?")
	if m := recv(t, h.msgs, "message"); m.Body != "once" {
		t.Fatalf("got %+v", m)
	}
	if m := recv(t, h.msgs, "message"); m.Body != "twice?" {
		t.Fatalf("second message is %+v (duplicate not dropped)", m)
	}
	h.emu.PhoneSend("1001", "wa-1", "sentinel")
	recv(t, h.msgs, "sentinel")
	noMore(t, h.msgs)
}

func TestEndpointStates(t *testing.T) {
	h := newHarness(t, nil, "1001")
	h.waitUp(t)
	// The snapshot taken at connect reports every endpoint once.
	initial := map[string]bool{}
	for range 3 {
		s := recv(t, h.eps, "initial state")
		initial[s.Ext] = s.Online
	}
	if len(initial) != 3 || !initial["1001"] || initial["1002"] || initial["1003"] {
		t.Fatalf("initial states %v", initial)
	}
	h.emu.Register("1003")
	if s := recv(t, h.eps, "1003 online"); s.Ext != "1003" || !s.Online {
		t.Fatalf("got %+v", s)
	}
	h.emu.Unregister("1003")
	if s := recv(t, h.eps, "1003 offline"); s.Ext != "1003" || s.Online {
		t.Fatalf("got %+v", s)
	}
	// Three events per change, reported once.
	h.emu.Register("1002")
	if s := recv(t, h.eps, "1002 online"); s.Ext != "1002" || !s.Online {
		t.Fatalf("got %+v", s)
	}
	h.emu.PhoneSend("1001", "wa-1", "sentinel")
	recv(t, h.msgs, "sentinel")
	noMore(t, h.eps)
}

func TestSendMessage(t *testing.T) {
	h := newHarness(t, nil, "1002")
	h.waitUp(t)
	ctx := context.Background()
	from := `"Ann Smith (WhatsApp)" <sip:wa-447700900001@127.0.0.1>`
	long := strings.Repeat("0123456789", 300)
	if err := h.ad.SendMessage(ctx, "1002", from, "Hello from WhatsApp", map[string]string{"X-WA-Session": "s123"}); err != nil {
		t.Fatal(err)
	}
	if err := h.ad.SendMessage(ctx, "1002", from, long, nil); err != nil {
		t.Fatalf("3000-byte body: %v", err)
	}
	if err := h.ad.SendMessage(ctx, "1002", from, "Grüße 👋 你好 <&>", nil); err != nil {
		t.Fatal(err)
	}
	got, err := h.emu.WaitInbox(ctx, "1002", 3)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].From != from || got[0].Body != "Hello from WhatsApp" || got[0].Variables["X-WA-Session"] != "s123" {
		t.Fatalf("first delivery %+v", got[0])
	}
	if got[1].Body != long || got[2].Body != "Grüße 👋 你好 <&>" {
		t.Fatalf("bodies %q / %q", got[1].Body[:20], got[2].Body)
	}

	tests := []struct {
		ext  string
		want error
	}{
		{"1003", pbx.ErrEndpointOffline},
		{"9999", pbx.ErrEndpointNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.ext, func(t *testing.T) {
			err := h.ad.SendMessage(ctx, tt.ext, from, "x", nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if err := h.ad.SendMessage(ctx, "1002", from, strings.Repeat("z", 41000), nil); err == nil {
		t.Fatal("a body over Asterisk's limit was accepted")
	}
}

func TestEndpointQueries(t *testing.T) {
	h := newHarness(t, nil, "1001")
	ctx := context.Background()
	list, err := h.ad.Endpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Ext != "1001" || !list[0].Online || list[2].Ext != "1003" || list[2].Online {
		t.Fatalf("list %+v", list)
	}
	if st, err := h.ad.Endpoint(ctx, "1003"); err != nil || st.Online || st.Ext != "1003" {
		t.Fatalf("1003: %+v %v", st, err)
	}
	if _, err := h.ad.Endpoint(ctx, "9999"); !errors.Is(err, pbx.ErrEndpointNotFound) {
		t.Fatalf("9999: %v", err)
	}
}

func TestReconnectAfterRestart(t *testing.T) {
	h := newHarness(t, nil, "1001")
	h.waitUp(t)
	h.emu.PhoneSend("1001", "wa-1", "before")
	recv(t, h.msgs, "message before restart")

	if err := h.emu.Restart(); err != nil {
		t.Fatal(err)
	}
	if recv(t, h.conn, "disconnect") {
		t.Fatal("expected a disconnect report")
	}
	if !recv(t, h.conn, "reconnect") {
		t.Fatal("expected a reconnect report")
	}
	if code := h.emu.PhoneSend("1001", "+447700900001", "after"); code != 202 {
		t.Fatalf("SIP answer %d: app not re-subscribed", code)
	}
	h.emu.PhoneSend("1001", "wa-1", "after restart")
	if m := recv(t, h.msgs, "message after restart"); m.Body != "after restart" {
		t.Fatalf("got %+v", m)
	}
}

func TestReconnectWhileStopped(t *testing.T) {
	h := newHarness(t, nil, "1001")
	h.waitUp(t)
	h.emu.Stop()
	if recv(t, h.conn, "disconnect") {
		t.Fatal("expected a disconnect report")
	}
	if h.ad.Connected() {
		t.Fatal("Connected() true while stopped")
	}
	if _, err := h.ad.Endpoints(context.Background()); !errors.Is(err, pbx.ErrNotConnected) {
		t.Fatalf("Endpoints while stopped: %v", err)
	}
	if err := h.emu.Start(); err != nil {
		t.Fatal(err)
	}
	if !recv(t, h.conn, "reconnect") {
		t.Fatal("expected a reconnect report")
	}
	h.emu.PhoneSend("1001", "wa-1", "back")
	if m := recv(t, h.msgs, "message"); m.Body != "back" {
		t.Fatalf("got %+v", m)
	}
}

func TestApplicationReplaced(t *testing.T) {
	h := newHarness(t, nil)
	h.waitUp(t)
	otherUp := make(chan bool, 10)
	other := New(Options{URL: h.emu.URL(), User: "ari", Password: "ari", App: "wachan", OnConnected: func(up bool) { otherUp <- up }})
	ctx, cancel := context.WithCancel(context.Background())
	otherDone := make(chan error, 1)
	go func() { otherDone <- other.Run(ctx) }()
	defer func() { cancel(); <-otherDone }()
	if err := recv(t, h.done, "Run to return"); !errors.Is(err, ErrReplaced) {
		t.Fatalf("Run returned %v", err)
	}
	h.done <- nil // for the cleanup
	if h.ad.Connected() {
		t.Fatal("Connected() true after replacement")
	}
	// The reference now serves the other connection: closing the replaced
	// adapter leaves it.
	if !recv(t, otherUp, "the other adapter subscribed") {
		t.Fatal("other adapter not connected")
	}
	if err := h.ad.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := h.emu.SubscriptionRefs("wachan", "PJSIP"); got != 1 {
		t.Fatalf("%d references after the replaced adapter closed", got)
	}
}

func TestWrongCredentials(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.Password = "wrong" })
	if _, err := h.ad.Endpoints(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("got %v", err)
	}
	if h.ad.Connected() {
		t.Fatal("connected with a wrong password")
	}
}

func TestUserPart(t *testing.T) {
	tests := map[string]string{
		"pjsip:wa-447700900001@127.0.0.1": "wa-447700900001",
		"<sip:1001@127.0.0.1>":            "1001",
		"sip:1001@127.0.0.1:5060":         "1001",
		"pjsip:+447700900001@127.0.0.1":   "+447700900001",
		`"Ann" <sip:wa-1@host>;tag=x`:     "wa-1",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := userPart(in); got != want {
				t.Fatalf("userPart(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
