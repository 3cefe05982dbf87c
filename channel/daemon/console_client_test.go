package daemon

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/internal/ssetest"
)

// consoleClient is a browser-less user of the admin panel or the agent
// console: a cookie jar that signs in through the forms and posts them
// with their CSRF token.
type consoleClient struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

var formCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in to role ("admin" or "agent") as name with password
// (an empty name and the admin token for the panel).
func signIn(t testing.TB, base, role, name, password string) *consoleClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &consoleClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: time.Minute}}
	_, page := c.get("/" + role + "/login")
	m := formCSRF.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("%s sign-in page has no CSRF field", role)
	}
	c.csrf = m[1]
	code, page := c.post("/"+role+"/login", url.Values{"name": {name}, "password": {password}})
	m = formCSRF.FindStringSubmatch(page)
	if code != 200 || m == nil || strings.Contains(page, `action="/`+role+`/login"`) {
		t.Fatalf("signing in to %s as %q = %d:\n%s", role, name, code, page)
	}
	c.csrf = m[1]
	return c
}

// get fetches path and returns the status and body.
func (c *consoleClient) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.base + path)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post submits a form to path with the CSRF token and returns the page it
// leads to.
func (c *consoleClient) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	form.Set("csrf", c.csrf)
	resp, err := c.http.PostForm(c.base+path, form)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// open opens the console's event stream at path (as a console page
// does) and keeps it open until the end of the test.
func (c *consoleClient) open(path string) *ssetest.Stream {
	c.t.Helper()
	return ssetest.Open(c.t, &http.Client{Jar: c.http.Jar}, c.base+path)
}

// "agent-pass-" + ext.
func (c *consoleClient) addAgent(ext string) {
	c.t.Helper()
	if code, _ := c.post("/admin/users", url.Values{"role": {"agent"}, "name": {ext}, "password": {"agent-pass-" + ext}}); code != 200 {
		c.t.Fatalf("creating agent = %d", code)
	}
}

// postFile submits a multipart form with one file to path and returns
// the page it leads to.
func (c *consoleClient) postFile(path string, fields map[string]string, field, filename string, data []byte) (int, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write(data)
	mw.Close()
	resp, err := c.http.Post(c.base+path, mw.FormDataContentType(), &buf)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
