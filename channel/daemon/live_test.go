package daemon

import (
	"bufio"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
)

// liveStream is a console event stream read over loopback.
type liveStream struct {
	resp   *http.Response
	frames atomic.Int32
}

func (p *panelClient) openLive(t *testing.T, query string) (*liveStream, int) {
	t.Helper()
	resp, err := p.client.Get(p.base + "/agent/events?" + query)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		return nil, resp.StatusCode
	}
	s := &liveStream{resp: resp}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if sc.Text() == "event: html" {
				s.frames.Add(1)
			}
		}
	}()
	return s, 200
}

// TestConsoleLiveViews opens many event streams of one agent's inbox: a
// change renders the view once, not once per stream, and streams beyond
// the per-user cap are refused with 429.
func TestConsoleLiveViews(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"})
	p.register("1001")
	admin := signInAs(t, p.base, "admin", "", adminToken)
	if code, body := admin.post("/admin/users", url.Values{"role": {"agent"}, "name": {"1001"}, "password": {"password-1001"}}); code != 303 {
		t.Fatalf("create agent = %d %s", code, body)
	}
	agent := signInAs(t, p.base, "agent", "1001", "password-1001")
	// One client per stream: the default transport keeps few connections
	// per host.
	agent.client.Transport = &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: 32}

	var streams []*liveStream
	for range 16 {
		s, code := agent.openLive(t, "view=inbox")
		if code != 200 {
			t.Fatalf("stream %d = %d", len(streams)+1, code)
		}
		streams = append(streams, s)
	}
	if _, code := agent.openLive(t, "view=inbox"); code != 429 {
		t.Fatalf("stream beyond the cap = %d, want 429", code)
	}
	all := func(n int32) func() bool {
		return func() bool {
			for _, s := range streams {
				if s.frames.Load() < n {
					return false
				}
			}
			return true
		}
	}
	poll(t, "every stream's first frame", all(1))
	_, views, before := p.d.web.LiveStats()
	if views != 1 {
		t.Fatalf("%d views for 16 streams of one inbox", views)
	}

	p.customerSays(customer, "Ann", "Anyone there?")
	p.waitFor("1001", 0, "Anyone there?")
	poll(t, "every stream's update", all(2))
	if _, _, after := p.d.web.LiveStats(); after-before > 4 {
		t.Fatalf("%d renders for one change shown by 16 streams", after-before)
	}
}
