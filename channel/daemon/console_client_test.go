package daemon

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
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

// stream is an open console event stream.
type stream struct {
	events chan string
	cancel context.CancelFunc
	done   chan struct{}
}

// open opens the console's event stream at path (as a console page
// does) and keeps it open until close or the end of the test.
func (c *consoleClient) open(path string) *stream {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	client := &http.Client{Jar: c.http.Jar}
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != 200 {
		cancel()
		c.t.Fatalf("opening %s: %v %v", path, resp, err)
	}
	s := &stream{events: make(chan string, 64), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<22)
		var ev strings.Builder
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Len() > 0 {
					s.events <- ev.String()
					ev.Reset()
				}
			case strings.HasPrefix(line, "data: "):
				ev.WriteString(strings.TrimPrefix(line, "data: "))
				ev.WriteString("\n")
			}
		}
	}()
	c.t.Cleanup(s.close)
	return s
}

// close closes the stream and waits until it has.
func (s *stream) close() {
	s.cancel()
	<-s.done
}

// waitFor waits for an event whose HTML contains every one of want and
// returns it.
func (s *stream) waitFor(t testing.TB, want ...string) string {
	t.Helper()
	timeout := time.After(time.Minute)
	last := ""
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("event stream ended; last event:\n%s", last)
			}
			last = ev
			all := true
			for _, w := range want {
				all = all && strings.Contains(ev, w)
			}
			if all {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event with %q; last event:\n%s", want, last)
		}
	}
}

// addAgent has the signed-in admin create agent ext with the password
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
