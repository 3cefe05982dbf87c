package daemon

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// publicRoutes are the routes answering without a sign-in or a token, with
// the statuses an anonymous request may get; every other route must refuse
// one.
var publicRoutes = []struct {
	method, prefix string
	statuses       []int
}{
	{"GET", "/healthz", []int{200}},
	{"GET", "/", []int{303}},
	{"GET", "/static/", []int{404}},
	{"GET", "/admin/login", []int{200}},
	{"GET", "/agent/login", []int{200}},
	{"POST", "/admin/login", []int{403}},          // no sign-in form token
	{"POST", "/agent/login", []int{403}},          // no sign-in form token
	{"GET", "/webhook/", []int{400, 403, 404}},    // Meta's handshake, with a verify token
	{"POST", "/webhook/", []int{401, 403, 404}},   // Meta's deliveries, signed with the app secret
	{"GET", "/media/", []int{400, 403, 404, 410}}, // signed, expiring links
}

func publicRoute(method, path string) []int {
	for _, r := range publicRoutes {
		if r.method == method && (path == r.prefix || (r.prefix != "/" && strings.HasSuffix(r.prefix, "/") && strings.HasPrefix(path, r.prefix))) {
			return r.statuses
		}
	}
	return nil
}

// refused are the answers of a route that refuses a request for want of a
// sign-in: 401, 403, 429 (too many failures from this address), a
// redirect to a sign-in page, 204 for an event stream (EventSource stops).
var refused = []int{204, 401, 403, 429, 303}

// TestHostileEveryRoute walks the daemon's route list, so a new route is
// covered without touching this test: each refuses anonymous requests
// (and the other role's sign-in) unless listed as public, and each refuses
// an oversize body, JSON or multipart, with 413 before it arrives.
func TestHostileEveryRoute(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "http://127.0.0.1:1")
	h, d := startDaemon(t, cfg, &fakeClock{})
	addr := strings.TrimPrefix(h.base, "http://")
	admin := signInAs(t, h.base, "admin", "", adminToken)
	if code, body := admin.post("/admin/users", url.Values{"role": {"agent"}, "name": {"1001"}, "password": {"password-1001"}}); code != 303 {
		t.Fatalf("create agent = %d %s", code, body)
	}
	agent := signInAs(t, h.base, "agent", "1001", "password-1001")
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	type route struct{ method, path string }
	var routes []route
	seen := map[route]bool{}
	for _, r := range d.app.GetRoutes(true) {
		rt := route{r.Method, routePath(r.Path, nil)}
		if r.Method == http.MethodHead || r.Method == http.MethodConnect || r.Method == http.MethodTrace || seen[rt] {
			continue
		}
		seen[rt] = true
		routes = append(routes, rt)
	}
	if len(routes) < 40 {
		t.Fatalf("only %d routes found", len(routes))
	}
	for _, r := range routes {
		// Anonymous.
		req, _ := http.NewRequest(r.method, h.base+r.path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		want := refused
		if pub := publicRoute(r.method, r.path); pub != nil {
			want = pub
		}
		if !slices.Contains(want, resp.StatusCode) {
			t.Errorf("anonymous %s %s = %d, want one of %v", r.method, r.path, resp.StatusCode, want)
		}
		if resp.StatusCode == 303 && !strings.HasSuffix(resp.Header.Get("Location"), "/login") && r.path != "/" {
			t.Errorf("anonymous %s %s redirected to %s", r.method, r.path, resp.Header.Get("Location"))
		}

		// Signed in with the other role.
		for _, other := range []struct {
			prefix string
			as     *panelClient
		}{{"/admin/", agent}, {"/agent/", admin}} {
			if !strings.HasPrefix(r.path, other.prefix) || publicRoute(r.method, r.path) != nil {
				continue
			}
			var code int
			if r.method == http.MethodGet {
				code, _ = other.as.get(r.path)
			} else {
				code, _ = other.as.post(r.path, nil)
			}
			if !slices.Contains(refused, code) {
				t.Errorf("%s %s signed in as the other role = %d", r.method, r.path, code)
			}
		}

		// Oversize, sent only in part: refused at once, never read.
		for _, hdr := range []map[string]string{
			{"Content-Type": "application/json", "Content-Length": "95000000"},
			{"Content-Type": "multipart/form-data; boundary=b", "Content-Length": "300000000"},
		} {
			status, _, err := rawRequest(addr, r.method, r.path, hdr, 64<<10, false)
			if err != nil || status != 413 {
				t.Errorf("%s %s with %s of %s bytes = %d, %v; want 413", r.method, r.path, hdr["Content-Type"], hdr["Content-Length"], status, err)
			}
		}
	}
	t.Logf("%d routes checked", len(routes))
}
