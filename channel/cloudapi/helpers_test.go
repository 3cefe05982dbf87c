package cloudapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
)

const (
	testPNID   = "106540352242922"
	testWABA   = "102290129340398"
	testToken  = "EAAG-test-token-not-real"
	testSecret = "app-secret-for-tests"
)

// clock is a settable clock for the emulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1750000000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is an emulator on loopback with one number and a client pointed at it.
type env struct {
	emu    *graphemu.Server
	client *cloudapi.Client
	creds  cloudapi.Creds
	base   string
}

// newEnv starts an emulator configured by opts with one number shaped by
// edit (which may be nil) and a client for it.
func newEnv(t testing.TB, opts graphemu.Options, edit func(*graphemu.Number)) *env {
	t.Helper()
	if opts.Version == "" {
		opts.Version = "v25.0"
	}
	emu := graphemu.New(opts)
	t.Cleanup(func() { emu.Close() })
	n := graphemu.Number{
		PhoneNumberID:      testPNID,
		WABAID:             testWABA,
		DisplayPhoneNumber: "+1 555-078-3881",
		VerifiedName:       "Acme Support",
		Token:              testToken,
		AppSecret:          testSecret,
	}
	if edit != nil {
		edit(&n)
	}
	if err := emu.AddNumber(n); err != nil {
		t.Fatal(err)
	}
	base, err := emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: time.Minute}
	t.Cleanup(hc.CloseIdleConnections)
	return &env{
		emu:    emu,
		client: cloudapi.New(cloudapi.Options{BaseURL: base, Version: "v25.0", HTTP: hc}),
		creds:  cloudapi.Creds{PhoneNumberID: testPNID, WABAID: testWABA, Token: testToken},
		base:   base,
	}
}

// hook is one webhook POST received by a receiver.
type hook struct {
	body      []byte
	signature string
}

// newReceiver starts a webhook receiver that forwards every POST to the
// returned channel.
func newReceiver(t testing.TB) (string, <-chan hook) {
	t.Helper()
	ch := make(chan hook, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- hook{body: b, signature: r.Header.Get("X-Hub-Signature-256")}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

// receive waits for the next webhook.
func receive(t testing.TB, ch <-chan hook) hook {
	t.Helper()
	select {
	case h := <-ch:
		return h
	case <-time.After(time.Minute):
		t.Fatal("no webhook received")
		return hook{}
	}
}
