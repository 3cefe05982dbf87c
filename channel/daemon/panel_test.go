package daemon

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
)

// panelClient is a browser without a browser: a cookie jar signed in to the
// panel or the console over plain HTTP.
type panelClient struct {
	t      testing.TB
	base   string
	role   string
	client *http.Client
	csrf   string
}

// signInAs signs in to role's pages with name and password (name "" and
// the admin token as password for the token sign-in) and fails the test
// unless it is accepted.
func signInAs(t testing.TB, base, role, name, password string) *panelClient {
	t.Helper()
	p := newPanelClient(t, base, role)
	if code := p.signIn(name, password); code != 303 {
		t.Fatalf("%s sign-in as %q = %d", role, name, code)
	}
	return p
}

func newPanelClient(t testing.TB, base, role string) *panelClient {
	jar, _ := cookiejar.New(nil)
	return &panelClient{t: t, base: base, role: role,
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn posts the sign-in form and returns the status.
func (p *panelClient) signIn(name, password string) int {
	p.t.Helper()
	code, body := p.get("/" + p.role + "/login")
	m := csrfField.FindStringSubmatch(body)
	if code != 200 || m == nil {
		p.t.Fatalf("sign-in page = %d %s", code, body)
	}
	code, _ = p.post("/"+p.role+"/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}})
	if code == 303 {
		code2, page := p.get("/" + p.role + "/")
		if code2 == 303 {
			// The panel's root redirects to its first page.
			_, page = p.get("/admin/channels")
		}
		if m := csrfField.FindStringSubmatch(page); m != nil {
			p.csrf = m[1]
		}
	}
	return code
}

// get returns the status and body of a GET.
func (p *panelClient) get(path string) (int, string) {
	p.t.Helper()
	resp, err := p.client.Get(p.base + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post posts form (with the session's CSRF token unless it has one) and
// returns the status and body.
func (p *panelClient) post(path string, form url.Values) (int, string) {
	p.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf") == "" && p.csrf != "" {
		form.Set("csrf", p.csrf)
	}
	resp, err := p.client.Post(p.base+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
