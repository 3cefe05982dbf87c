package api_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

const hostileToken = "admin-token-hostile-0123456789abcdef"

// hostileEnv is the API on a real fiber server over loopback and a real
// store, configured like the daemon's.
type hostileEnv struct {
	t     *testing.T
	base  string
	store *store.Store
}

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	return newHostileEnvWith(t, slog.New(slog.DiscardHandler), 1000)
}

// newHostileEnvWith is newHostileEnv logging to log and allowing burst
// failed authentications per address.
func newHostileEnvWith(t *testing.T, log *slog.Logger, burst int) *hostileEnv {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	graph := cloudapi.New(cloudapi.Options{BaseURL: "http://127.0.0.1:1"})
	ob := outbox.New(st, graph, log, outbox.Options{})
	app := fiber.New(fiber.Config{BodyLimit: ingest.MaxBody, DisableStartupMessage: true, ErrorHandler: api.ErrorHandler(log)})
	v1 := api.New(st, graph, ob, log, api.Options{PublicURL: "http://wachan.test", AdminTokenHash: api.HashToken(hostileToken), AuthFailureBurst: burst}).Register(app)
	api.Finish(v1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() {
		app.Shutdown()
		st.Close()
	})
	return &hostileEnv{t: t, base: "http://" + ln.Addr().String(), store: st}
}

// answer is a decoded API answer.
type answer struct {
	status int
	body   []byte
	err    struct {
		Code, Message, Field string
	}
	shaped bool // the body is the API's error shape
}

// send performs a request; header values override the defaults (the admin
// token and a JSON content type); a "" value removes the header.
func (e *hostileEnv) send(method, path string, body []byte, hdr map[string]string) answer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+hostileToken)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	a.body, _ = io.ReadAll(resp.Body)
	var shape struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	if json.Unmarshal(a.body, &shape) == nil && shape.Error != nil && shape.Error.Code != "" && shape.Error.Message != "" {
		a.shaped = true
		a.err.Code, a.err.Message, a.err.Field = shape.Error.Code, shape.Error.Message, shape.Error.Field
	}
	if a.status >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		e.t.Errorf("%s %s: error answer of type %q", method, path, resp.Header.Get("Content-Type"))
	}
	return a
}

// snapshot returns the store's channels and queues as JSON, to compare.
func (e *hostileEnv) snapshot() string {
	e.t.Helper()
	var out []any
	err := e.store.View(func(tx *store.Tx) error {
		chs, err := tx.Channels()
		if err != nil {
			return err
		}
		qs, err := tx.Queues()
		if err != nil {
			return err
		}
		out = append(out, chs, qs, tx.MessageCount())
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func (e *hostileEnv) createChannel() string {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{
		"name": "Sales", "number": "+44 7911 123456", "phone_number_id": "106540352242922", "waba_id": "102290129340398",
		"access_token": "EAAG-token-for-hostile-tests", "app_secret": "app-secret-for-hostile-tests",
		"destination": map[string]string{"type": "extension", "id": "1001"},
	})
	a := e.send("POST", "/api/v1/channels", body, nil)
	if a.status != 201 {
		e.t.Fatalf("create channel: %d %s", a.status, a.body)
	}
	var ch struct{ ID string }
	json.Unmarshal(a.body, &ch)
	return ch.ID
}

// TestHostileAuth: only "Authorization: Bearer <admin token>" opens the
// API; anything else is 401 in the error shape and changes nothing.
func TestHostileAuth(t *testing.T) {
	e := newHostileEnv(t)
	id := e.createChannel()
	before := e.snapshot()
	basic := base64.StdEncoding.EncodeToString([]byte("admin:" + hostileToken))
	tests := []struct {
		name  string
		path  string
		hdr   map[string]string
		query string
	}{
		{"no header", "/api/v1/channels", map[string]string{"Authorization": ""}, ""},
		{"empty bearer", "/api/v1/channels", map[string]string{"Authorization": "Bearer "}, ""},
		{"scheme only", "/api/v1/channels", map[string]string{"Authorization": "Bearer"}, ""},
		{"basic", "/api/v1/channels", map[string]string{"Authorization": "Basic " + basic}, ""},
		{"token without scheme", "/api/v1/channels", map[string]string{"Authorization": hostileToken}, ""},
		{"other scheme", "/api/v1/channels", map[string]string{"Authorization": "Token " + hostileToken}, ""},
		{"longer", "/api/v1/channels", map[string]string{"Authorization": "Bearer " + hostileToken + "x"}, ""},
		{"prefix", "/api/v1/channels", map[string]string{"Authorization": "Bearer " + hostileToken[:len(hostileToken)-1]}, ""},
		{"upper case", "/api/v1/channels", map[string]string{"Authorization": "Bearer " + strings.ToUpper(hostileToken)}, ""},
		{"hash of the token", "/api/v1/channels", map[string]string{"Authorization": "Bearer " + api.HashToken(hostileToken)}, ""},
		{"two tokens", "/api/v1/channels", map[string]string{"Authorization": "Bearer wrong, Bearer " + hostileToken}, ""},
		{"query token", "/api/v1/channels", map[string]string{"Authorization": ""}, "?token=" + hostileToken},
		{"query access_token", "/api/v1/channels", map[string]string{"Authorization": ""}, "?access_token=" + hostileToken},
		{"query api_key", "/api/v1/channels", map[string]string{"Authorization": ""}, "?api_key=" + hostileToken},
		{"query authorization", "/api/v1/channels", map[string]string{"Authorization": ""}, "?Authorization=Bearer%20" + hostileToken},
		{"cookie", "/api/v1/channels", map[string]string{"Authorization": "", "Cookie": "token=" + hostileToken + "; Authorization=Bearer " + hostileToken}, ""},
		{"other header", "/api/v1/channels", map[string]string{"Authorization": "", "X-Api-Key": hostileToken, "X-Auth-Token": hostileToken}, ""},
		{"delete with query token", "/api/v1/channels/" + id, map[string]string{"Authorization": ""}, "?token=" + hostileToken},
		{"backup with query token", "/api/v1/backup", map[string]string{"Authorization": ""}, "?token=" + hostileToken},
		{"unknown route", "/api/v1/nothing", map[string]string{"Authorization": ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "GET"
			if strings.HasPrefix(tt.name, "delete") {
				method = "DELETE"
			}
			a := e.send(method, tt.path+tt.query, nil, tt.hdr)
			if a.status != 401 || !a.shaped || a.err.Code != "unauthorized" {
				t.Fatalf("= %d %s; want 401 unauthorized in the error shape", a.status, a.body)
			}
			if bytes.Contains(a.body, []byte(hostileToken)) {
				t.Fatalf("answer echoes the token: %s", a.body)
			}
		})
	}
	if after := e.snapshot(); after != before {
		t.Fatalf("store changed by refused requests")
	}
	if a := e.send("GET", "/api/v1/channels/"+id, nil, nil); a.status != 200 {
		t.Fatalf("with the token: %d", a.status)
	}
}

// TestHostileRoutes: unknown routes and methods answer in the error shape.
func TestHostileRoutes(t *testing.T) {
	e := newHostileEnv(t)
	for _, tt := range []struct{ method, path string }{
		{"GET", "/api/v1/nothing"},
		{"POST", "/api/v1/nothing"},
		{"GET", "/api/v1/channels/x/y/z"},
		{"PUT", "/api/v1/channels"},
		{"DELETE", "/api/v1/channels"},
		{"PATCH", "/api/v1/messages"},
		{"GET", "/api/v1/"},
		{"GET", "/api/v1"},
		{"OPTIONS", "/api/v1/channels"},
		{"GET", "/api/v1/%2e%2e/%2e%2e/etc/passwd"},
		{"GET", "/api/v2/channels"},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			a := e.send(tt.method, tt.path, nil, nil)
			if (a.status != 404 && a.status != 405) || !a.shaped {
				t.Fatalf("= %d %s; want 404 or 405 in the error shape", a.status, a.body)
			}
		})
	}
}

// TestHostileBodies posts broken, huge and mistyped JSON to every writing
// route: 400, 413 or 422 in the error shape, and the store unchanged.
func TestHostileBodies(t *testing.T) {
	e := newHostileEnv(t)
	id := e.createChannel()
	before := e.snapshot()
	nested := []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	nestedObj := []byte(`{"name":` + strings.Repeat(`{"a":`, 50000) + "1" + strings.Repeat("}", 50000) + "}")
	bodies := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"open brace", []byte("{")},
		{"array", []byte("[]")},
		{"string", []byte(`"x"`)},
		{"number", []byte("1e999")},
		{"not JSON", []byte("name=Sales&number=1")},
		{"invalid UTF-8", []byte("{\"name\":\"\xff\xfe\"")},
		{"NUL", []byte("{\"name\":\"a\x00b\"}")},
		{"deeply nested array", nested},
		{"deeply nested object", nestedObj},
		{"wrong types", []byte(`{"name":1,"number":true,"destination":"1001","send_rate":"fast","text":[],"channel_id":{}}`)},
		{"huge name", []byte(`{"name":"` + strings.Repeat("n", 3<<20) + `","number":"+447911123456"}`)},
		{"huge number", []byte(`{"send_rate":1` + strings.Repeat("0", 100000) + `}`)},
		{"duplicate keys", []byte(`{"name":"ok","name":"` + strings.Repeat("x", 200) + `"}`)},
	}
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/channels"},
		{"PATCH", "/api/v1/channels/" + id},
		{"POST", "/api/v1/queues"},
		{"PUT", "/api/v1/queues/sales"},
		{"POST", "/api/v1/messages"},
	}
	for _, r := range routes {
		for _, b := range bodies {
			t.Run(r.method+" "+r.path+" "+b.name, func(t *testing.T) {
				a := e.send(r.method, r.path, b.body, nil)
				switch {
				case !a.shaped:
					t.Fatalf("= %d %.200s; not the error shape", a.status, a.body)
				case a.status != 400 && a.status != 404 && a.status != 422:
					t.Fatalf("= %d %.200s", a.status, a.body)
				}
				if len(a.body) > len(b.body)+1024 {
					t.Fatalf("error answer of %d bytes for %d sent", len(a.body), len(b.body))
				}
			})
		}
	}
	// Over the body limit: refused from the headers, in the error shape.
	for _, r := range routes {
		status, body := e.raw(fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{",
			r.method, r.path, hostileToken, ingest.MaxBody+1))
		var shape struct{ Error struct{ Code string } }
		if json.Unmarshal(body, &shape); status != 413 || shape.Error.Code != "too_large" {
			t.Errorf("%s %s too large = %d %s; want 413 too_large", r.method, r.path, status, body)
		}
	}
	if after := e.snapshot(); after != before {
		t.Fatalf("store changed:\nbefore %s\nafter  %s", before, after)
	}
}

// raw sends req on a fresh connection and returns the answer's status and
// body.
func (e *hostileEnv) raw(req string) (int, []byte) {
	e.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestHostileIDs puts traversal and control strings where ids go: nothing
// is found, read or deleted except the resource named.
func TestHostileIDs(t *testing.T) {
	e := newHostileEnv(t)
	id := e.createChannel()
	before := e.snapshot()
	ids := []string{
		"..", "..%2f..%2fetc%2fpasswd", "%2e%2e", "..%5c..%5cwindows", id + "%00", id + "%0d%0aX-Evil:%201",
		"%00", "%20" + id, id + "%20", strings.ToUpper(id), id + "%2f..", "..%2f" + id, id + "%3Bdrop",
		"-1", "0", "18446744073709551616", "99999999999999999999999", "1e3", "0x10", "%25", "%2525",
		strings.Repeat("a", 4000), "%F0%9F%98%80", "%ff%fe", "*", "%2a", "null", "undefined",
	}
	routes := []string{"GET /api/v1/channels/%s", "GET /api/v1/channels/%s/stats", "PATCH /api/v1/channels/%s", "DELETE /api/v1/channels/%s",
		"POST /api/v1/channels/%s/test", "GET /api/v1/messages/%s", "GET /api/v1/queues/%s", "DELETE /api/v1/queues/%s",
		"GET /api/v1/sessions/%s", "GET /api/v1/sessions/%s/messages", "POST /api/v1/sessions/%s/close"}
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		for _, bad := range ids {
			a := e.send(method, fmt.Sprintf(path, bad), []byte(`{"name":"Renamed"}`), nil)
			noPBX := a.status == 503 && a.err.Code == "no_pbx" && strings.Contains(path, "/sessions/")
			if !a.shaped || a.status < 400 || (a.status >= 500 && !noPBX) {
				t.Errorf("%s %s = %d %.200s; want a 4xx in the error shape", method, fmt.Sprintf(path, bad), a.status, a.body)
			}
		}
	}
	if after := e.snapshot(); after != before {
		t.Fatalf("store changed:\nbefore %s\nafter  %s", before, after)
	}
	if a := e.send("DELETE", "/api/v1/channels/"+id, nil, nil); a.status != 204 {
		t.Fatalf("deleting the real id: %d %s", a.status, a.body)
	}
}
