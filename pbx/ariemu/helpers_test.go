package ariemu

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const fixtures = "../../testdata/ari/"

// exchange is one rest-*.json fixture.
type exchange struct {
	Request struct {
		Method      string      `json:"method"`
		Path        string      `json:"path"`
		QueryString string      `json:"query_string"`
		Body        *string     `json:"body"`
		Headers     [][2]string `json:"headers"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers [][2]string `json:"headers"`
		Body    string      `json:"body"`
	} `json:"response"`
	Note     string          `json:"note"`
	Observed json.RawMessage `json:"observed"`
}

func loadExchange(t *testing.T, name string) exchange {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	var x exchange
	if err := json.Unmarshal(data, &x); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return x
}

// rawResponse is an HTTP answer read off the wire.
type rawResponse struct {
	status  int
	headers [][2]string
	body    []byte
}

// readRaw reads one response keeping header order and casing.
func readRaw(br *bufio.Reader) (*rawResponse, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("reading status line: %w", err)
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return nil, fmt.Errorf("bad status line %q", line)
	}
	r := &rawResponse{}
	r.status, _ = strconv.Atoi(f[1])
	n := 0
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("reading headers: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ": ")
		r.headers = append(r.headers, [2]string{k, v})
		if k == "Content-Length" {
			n, _ = strconv.Atoi(v)
		}
	}
	r.body = make([]byte, n)
	if _, err := io.ReadFull(br, r.body); err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	return r, nil
}

// replay sends the fixture's request byte for byte to s over a new
// connection and reads the answer.
func replay(t *testing.T, s *Server, x exchange) *rawResponse {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	var b bytes.Buffer
	target := x.Request.Path
	if x.Request.QueryString != "" {
		target += "?" + x.Request.QueryString
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", x.Request.Method, target)
	for _, h := range x.Request.Headers {
		if h[0] == "Host" {
			h[1] = s.Addr()
		}
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	if x.Request.Body != nil {
		b.WriteString(*x.Request.Body)
	}
	if _, err := c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	r, err := readRaw(bufio.NewReader(c))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// env is an emulator plus helpers to put it in a recorded state.
type env struct {
	t     *testing.T
	s     *Server
	socks map[string]*websocket.Conn
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &env{t: t, s: s, socks: map[string]*websocket.Conn{}}
}

func (e *env) register(exts ...string) {
	e.t.Helper()
	for _, x := range exts {
		if err := e.s.Register(x); err != nil {
			e.t.Fatal(err)
		}
	}
}

// connect opens an event websocket for app; label names it for close.
func (e *env) connect(app, label string) *websocket.Conn {
	e.t.Helper()
	u := "ws://" + e.s.Addr() + "/ari/events?app=" + app + "&api_key=ari:ari&subscribeAll=false"
	c, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		e.t.Fatalf("connecting %s: %v", app, err)
	}
	e.t.Cleanup(func() { c.Close() })
	e.socks[label] = c
	return c
}

// closeWS closes a socket with close 1000 and waits for the app state.
func (e *env) closeWS(label, app string, exists bool) {
	e.t.Helper()
	c := e.socks[label]
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.s.WaitAppState(ctx, app, exists, false); err != nil {
		e.t.Fatalf("waiting for %s to be inactive: %v", app, err)
	}
}

// rest issues an authenticated request and checks its status.
func (e *env) rest(method, path string, want int) []byte {
	e.t.Helper()
	req, _ := http.NewRequest(method, "http://"+e.s.Addr()+"/ari"+path, nil)
	req.SetBasicAuth("ari", "ari")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, body, want)
	}
	return body
}

func (e *env) subscribe(app string, srcs ...string) {
	e.t.Helper()
	for _, src := range srcs {
		e.rest(http.MethodPost, "/applications/"+app+"/subscription?eventSource="+src, 200)
	}
}

func (e *env) restart() {
	e.t.Helper()
	if err := e.s.Restart(); err != nil {
		e.t.Fatal(err)
	}
}

// sameShape checks that got has the same JSON structure as want: the same
// keys in the same order and the same value types, recursively.
func sameShape(t *testing.T, where string, want, got []byte, opaque ...string) {
	t.Helper()
	ws, err := shape(want, opaque...)
	if err != nil {
		t.Fatalf("%s: fixture: %v", where, err)
	}
	gs, err := shape(got, opaque...)
	if err != nil {
		t.Fatalf("%s: emulator: %v", where, err)
	}
	if ws != gs {
		t.Fatalf("%s: shape differs\nwant %s\ngot  %s", where, ws, gs)
	}
}

// shape renders the structure of a JSON document: object keys in order,
// value types, arrays by the shape of their first element. The values of
// opaque keys are only typed, not walked.
func shape(data []byte, opaque ...string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var b strings.Builder
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' {
				b.WriteString("{")
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					b.WriteString(k.(string) + ":")
					if slices.Contains(opaque, k.(string)) {
						var skip json.RawMessage
						if err := dec.Decode(&skip); err != nil {
							return err
						}
						b.WriteString(string(skip[:1]))
						b.WriteString(",")
						continue
					}
					if err := walk(); err != nil {
						return err
					}
					b.WriteString(",")
				}
				dec.Token()
				b.WriteString("}")
				return nil
			}
			b.WriteString("[")
			first := true
			for dec.More() {
				if first {
					if err := walk(); err != nil {
						return err
					}
					first = false
					continue
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
			}
			dec.Token()
			b.WriteString("]")
		case string:
			b.WriteString("s")
		case float64:
			b.WriteString("n")
		case bool:
			b.WriteString("b")
		case nil:
			b.WriteString("null")
		}
		return nil
	}
	err := walk()
	return b.String(), err
}

func readFixture(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(fixtures, name))
}

// rawExchange sends the fixture's request and reads n raw bytes back.
func rawExchange(t *testing.T, s *Server, x exchange, n int) string {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s?%s HTTP/1.1\r\n", x.Request.Method, x.Request.Path, x.Request.QueryString)
	for _, h := range x.Request.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("\r\n")
	c.Write(b.Bytes())
	buf := make([]byte, n)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("reading %d bytes (got %q): %v", n, buf, err)
	}
	return string(buf)
}

// websocketDial connects an event socket for wachan.
func websocketDial(addr string) (*websocket.Conn, *http.Response, error) {
	return websocket.DefaultDialer.Dial("ws://"+addr+"/ari/events?app=wachan&api_key=ari:ari", nil)
}
