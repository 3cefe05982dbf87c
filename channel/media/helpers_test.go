package media_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/graphemu"
	"github.com/wachan/wachan/channel/loopback"
	"github.com/wachan/wachan/channel/media"
	"github.com/wachan/wachan/store"
)

const (
	pnid      = "106540352242922"
	metaToken = "EAAG-test-token-0123456789"
	chID      = "sales"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a media service on a real store, wired to a Graph API emulator,
// serving its links from a fiber server on loopback.
type env struct {
	t      testing.TB
	dir    string
	st     *store.Store
	emu    *graphemu.Server
	emuURL string
	graph  *cloudapi.Client
	svc    *media.Service
	base   string
	opts   media.Options
	stop   func()

	logs *logBuffer

	mu     sync.Mutex
	failed map[uint64]string
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newEnv starts everything; tune adjusts the options before the service
// is created.
func newEnv(t testing.TB, tune func(*media.Options)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), failed: map[uint64]string{}, logs: &logBuffer{}}
	e.emu = graphemu.New(graphemu.Options{})
	url, err := e.emu.Start()
	if err != nil {
		t.Fatal(err)
	}
	e.emuURL = url
	t.Cleanup(func() { e.emu.Close() })
	if err := e.emu.AddNumber(graphemu.Number{PhoneNumberID: pnid, WABAID: "102290129340398", DisplayPhoneNumber: "+44 7911 123456",
		VerifiedName: "Sales Ltd", Token: metaToken}); err != nil {
		t.Fatal(err)
	}
	e.graph = cloudapi.New(cloudapi.Options{BaseURL: url})
	addr, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + addr
	e.opts = media.Options{
		Dir:         filepath.Join(e.dir, "media"),
		PublicURL:   e.base,
		Backoff:     func(int) time.Duration { return 10 * time.Millisecond },
		WaitPending: 2 * time.Second,
		OnFailed: func(id uint64, reason string) {
			e.mu.Lock()
			e.failed[id] = reason
			e.mu.Unlock()
		},
	}
	if tune != nil {
		tune(&e.opts)
	}
	e.start(addr)
	return e
}

// start opens the store and serves the service on addr.
func (e *env) start(addr string) {
	t := e.t
	st, err := store.Open(e.dir, store.Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	if err := st.Update(func(tx *store.Tx) error {
		return tx.PutChannel(&store.Channel{ID: chID, Name: "Sales", PhoneNumberID: pnid, AccessToken: metaToken})
	}); err != nil {
		t.Fatal(err)
	}
	svc, err := media.New(st, e.graph, slog.New(slog.NewTextHandler(e.logs, nil)), e.opts)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	svc.Register(app)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	stopped := false
	e.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		<-done
		app.ShutdownWithTimeout(time.Second)
		// A shutdown before app.Listener has begun serving leaves the
		// listener open: close it, so a restart can bind the address.
		ln.Close()
		st.Close()
	}
	t.Cleanup(e.stop)
}

// restart stops the service and store and starts them again on the same
// data and address.
func (e *env) restart() {
	e.stop()
	e.start(e.base[len("http://"):])
}

// receive stores an inbound media message for mediaID as the ingest
// processor does and returns it.
func (e *env) receive(kind, mediaID, mime, filename, webhookURL string) *store.Message {
	e.t.Helper()
	data, _, _, ok := e.emu.Media(mediaID)
	if !ok {
		e.t.Fatalf("no media %s", mediaID)
	}
	sum := sha256.Sum256(data)
	m := &store.Message{ChannelID: chID, CustomerKey: "447700900001", Direction: store.Inbound, Type: kind,
		Timestamp: time.Now(), Media: &store.MediaRef{MediaID: mediaID, MIME: mime, Filename: filename,
			SHA256: base64.StdEncoding.EncodeToString(sum[:]), URL: webhookURL}}
	e.ingest(m)
	return m
}

// ingest stores m and runs the hook in one transaction.
func (e *env) ingest(m *store.Message) {
	e.t.Helper()
	err := e.st.Update(func(tx *store.Tx) error {
		if _, err := tx.AddMessage(m); err != nil {
			return err
		}
		return e.svc.Inbound(tx, &store.Channel{ID: chID}, nil, m)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// wait polls message id until its media is fetched or failed.
func (e *env) wait(id uint64) *store.MediaRef {
	e.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var m *store.Message
		e.st.View(func(tx *store.Tx) (err error) { m, err = tx.Message(id); return })
		if m != nil && m.Media != nil && (m.Media.FileID != "" || m.Media.Error != "") && !e.svc.Fetching(id) {
			return m.Media
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("media of message %d never settled: %+v", id, m.Media)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// failure waits briefly for OnFailed to report message id and returns
// its reason ("" if it never did).
func (e *env) failure(id uint64) string {
	deadline := time.Now().Add(time.Minute)
	for {
		e.mu.Lock()
		r, ok := e.failed[id]
		e.mu.Unlock()
		if ok || time.Now().After(deadline) {
			return r
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// get fetches url with optional headers (name, value pairs).
func get(t testing.TB, method, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// sample returns n bytes of content that starts with head.
func sample(head string, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	copy(b, head)
	return b
}

// Content heads of each kind of media.
const (
	jpegHead   = "\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"
	pngHead    = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	webpHead   = "RIFF\x00\x10\x00\x00WEBPVP8 \x00\x00\x00\x00"
	webpAnim   = "RIFF\x00\x10\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00"
	oggHead    = "OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13OpusHead\x01\x01"
	mp4Head    = "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
	pdfHead    = "%PDF-1.4\n"
	amrHead    = "#!AMR\n"
	m4aHead    = "\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom"
	threeGHead = "\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x003gp4"
	mp3Head    = "ID3\x03\x00\x00\x00\x00\x00\x00"
)

func sum256(b []byte) [32]byte { return sha256.Sum256(b) }
