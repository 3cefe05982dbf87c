package daemon

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawPost opens a connection to addr and sends a POST of path with the
// given headers, then up to send bytes of body (chunked when chunked is
// set, stopping at the first write error), reading the answer meanwhile.
// It returns the answer's status and how many body bytes were written.
func rawPost(addr, path string, hdr map[string]string, send int, chunked bool) (int, int, error) {
	return rawRequest(addr, "POST", path, hdr, send, chunked)
}

// rawRequest is rawPost with another method.
func rawRequest(addr, method, path string, hdr map[string]string, send int, chunked bool) (int, int, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, addr)
	for k, v := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if chunked {
		b.WriteString("Transfer-Encoding: chunked\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return 0, 0, err
	}
	written := 0
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		chunk := []byte(strings.Repeat("x", 16<<10))
		for written < send {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			if chunked {
				_, err = fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk)
			} else {
				_, err = conn.Write(chunk[:min(len(chunk), send-written)])
			}
			if err != nil {
				return
			}
			written += len(chunk)
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	close(stop)
	<-done
	if err != nil {
		return 0, written, err
	}
	resp.Body.Close()
	return resp.StatusCode, written, nil
}

// TestOversizeBodiesRefusedUnread sends many concurrent oversize bodies
// without signing in, to every kind of route: each is refused before its
// body arrives (the client sends only its start), and the daemon's
// allocations stay far below what the bodies would take.
func TestOversizeBodiesRefusedUnread(t *testing.T) {
	h := start(t, testConfig(t, "http://127.0.0.1:1"))
	addr := strings.TrimPrefix(h.base, "http://")
	json := map[string]string{"Content-Type": "application/json"}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	upload := map[string]string{"Content-Type": "multipart/form-data; boundary=xyz"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range m {
			out[a] = b
		}
		return out
	}
	const huge = "95000000"
	cases := []struct {
		name, path string
		hdr        map[string]string
		want       []int
	}{
		{"webhook", "/webhook/ch1", with(json, "Content-Length", huge), []int{413}},
		{"api", "/api/v1/channels", with(json, "Content-Length", huge), []int{413}},
		{"api with token", "/api/v1/channels", with(with(json, "Content-Length", huge), "Authorization", "Bearer "+adminToken), []int{413}},
		{"panel sign-in", "/admin/login", with(form, "Content-Length", huge), []int{413}},
		{"console form", "/agent/c/1", with(form, "Content-Length", huge), []int{413}},
		{"unknown route", "/no/such/route", with(json, "Content-Length", huge), []int{413}},
		{"api upload too large", "/api/v1/sessions/1/media", with(upload, "Content-Length", "200000000"), []int{413}},
		// Uploads within the limit are read only once signed in.
		{"api upload", "/api/v1/sessions/1/media", with(upload, "Content-Length", "90000000"), []int{401, 429}},
		{"console upload", "/agent/c/1/file", with(upload, "Content-Length", "90000000"), []int{401}},
		{"campaign upload", "/api/v1/campaigns", with(upload, "Content-Length", "90000000"), []int{401, 429}},
		{"chunked upload", "/api/v1/campaigns", with(upload, "X-Chunked", "1"), []int{411}},
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	for _, c := range cases {
		for range 5 {
			wg.Go(func() {
				// Only the first 256 KB of each body is ever sent.
				status, _, err := rawPost(addr, c.path, c.hdr, 256<<10, c.hdr["X-Chunked"] != "")
				if err != nil {
					t.Errorf("%s: %v", c.name, err)
					return
				}
				if !slices.Contains(c.want, status) {
					t.Errorf("%s: %d, want %v", c.name, status, c.want)
				}
			})
		}
	}
	wg.Wait()

	// Bodies without a length are cut off at their route's limit.
	for range 10 {
		wg.Go(func() {
			status, written, err := rawPost(addr, "/api/v1/channels", json, 16<<20, true)
			if err != nil {
				t.Errorf("chunked: %v", err)
			} else if status != 413 || written >= 16<<20 {
				t.Errorf("chunked: %d after %d bytes", status, written)
			}
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	// 55 refused bodies of 95 MB and 10 of 16 MB: reading any of them
	// whole would allocate more than this.
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Fatalf("allocated %d MB while refusing bodies", got>>20)
	}
	if resp, err := http.Get(h.base + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("daemon after the flood: %v %v", resp, err)
	}
}

// TestBodiesInFlightCapped holds request bodies half sent: once they hold
// the daemon's budget for bodies in flight, another body is refused with
// 503 until they go.
func TestBodiesInFlightCapped(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "http://127.0.0.1:1")
	d, err := New(cfg, testLogger(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	d.bodies.max = 256 << 10
	h := serve(t, d, cfg)
	addr := strings.TrimPrefix(h.base, "http://")
	// stall sends 100 KB of a 200 KB body and waits until the daemon
	// holds want bytes.
	stall := func(want int64) net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "POST /api/v1/channels HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			addr, 200<<10, strings.Repeat(" ", 100<<10))
		poll(t, fmt.Sprintf("%d bytes held", want), func() bool { return d.bodies.InFlight() == want })
		return conn
	}
	a := stall(128 << 10)
	b := stall(256 << 10)
	status, _, err := rawPost(addr, "/webhook/ch1", map[string]string{"Content-Type": "application/json", "Content-Length": "5000"}, 5000, false)
	if err != nil || status != 503 {
		t.Fatalf("body beyond the budget = %d, %v; want 503", status, err)
	}
	a.Close()
	b.Close()
	poll(t, "bodies released", func() bool { return d.bodies.InFlight() == 0 })
	if code := h.do("POST", "/api/v1/queues", map[string]any{"name": "sales", "strategy": "ringall", "members": []string{"1001"}}, nil); code != 201 {
		t.Fatalf("request after the stalled bodies went = %d", code)
	}
}
