package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

const adminToken = "admin-token-for-tests-0123456789"

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a store, the service and the API on loopback.
type env struct {
	t    *testing.T
	st   *store.Store
	svc  *Service
	base string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{}, discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := New(st, discard(), opts)
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: api.ErrorHandler(discard())})
	graph := cloudapi.New(cloudapi.Options{BaseURL: "http://127.0.0.1:1"})
	ob := outbox.New(st, graph, discard(), outbox.Options{})
	v1 := api.New(st, graph, ob, discard(), api.Options{AdminTokenHash: api.HashToken(adminToken), Keys: svc.Authenticate}).Register(app)
	svc.Register(v1)
	api.Finish(v1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	e := &env{t: t, st: st, svc: svc, base: "http://" + ln.Addr().String()}
	for _, id := range []string{"chan-a", "chan-b"} {
		e.update(func(tx *store.Tx) error {
			return tx.PutChannel(&store.Channel{ID: id, Name: id, Destination: store.Destination{Type: "extension", ID: "1001"}})
		})
	}
	return e
}

func (e *env) update(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.st.Update(fn); err != nil {
		e.t.Fatal(err)
	}
}

// do sends a request with token and returns the status and raw body,
// decoding it into out when out is not nil.
func (e *env) do(token, method, path string, body any, out any) (int, string) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.base+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: decoding %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode, string(data)
}

type created struct {
	ID, Key string
	Secret  string `json:"webhook_secret"`
}

func (e *env) createKey(body map[string]any) created {
	e.t.Helper()
	var k created
	if code, raw := e.do(adminToken, "POST", "/api/v1/keys", body, &k); code != 201 {
		e.t.Fatalf("create key = %d %s", code, raw)
	}
	return k
}

// receiver is a loopback webhook receiver that fails the first n
// requests with 500.
type receiver struct {
	mu   sync.Mutex
	fail int
	got  []hit
	url  string
}

type hit struct {
	status    int
	body      []byte
	header    http.Header
	at        time.Time
	signature string
}

func newReceiver(t *testing.T, fail int) *receiver {
	r := &receiver{fail: fail}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := 200
		if r.fail > 0 {
			r.fail--
			status = 500
		}
		r.got = append(r.got, hit{status: status, body: body, header: req.Header.Clone(), at: time.Now(), signature: req.Header.Get(HeaderSignature)})
		r.mu.Unlock()
		w.WriteHeader(status)
	})}
	go srv.Serve(ln)
	r.url = "http://" + ln.Addr().String() + "/hooks"
	t.Cleanup(func() { srv.Close() })
	return r
}

func (r *receiver) hits() []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hit(nil), r.got...)
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
