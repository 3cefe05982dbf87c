package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// streamsPerAgent is how many console event streams one agent login holds
// (the daemon allows 16 per user).
const streamsPerAgent = 16

// consoleLoad holds agents' web console event streams (live inbox views)
// open during the load, as agents' browser tabs do.
type consoleLoad struct {
	r *rig

	open, refused, failed, frames atomic.Int64
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// panelSession is a cookie jar signed in to the panel or the console.
type panelSession struct {
	base string
	hc   *http.Client
	csrf string
}

// signIn signs in to role's pages ("admin" with the token as password).
func signIn(base string, tr http.RoundTripper, role, name, password string) (*panelSession, error) {
	jar, _ := cookiejar.New(nil)
	s := &panelSession{base: base, hc: &http.Client{Transport: tr, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	page, err := s.get("/" + role + "/login")
	if err != nil {
		return nil, err
	}
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("signing in as %s: no form token on the sign-in page", role)
	}
	status, err := s.post("/"+role+"/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}})
	if err != nil {
		return nil, err
	}
	if status != http.StatusSeeOther {
		return nil, fmt.Errorf("signing in as %s %q: answered %d", role, name, status)
	}
	if role == "admin" {
		if page, err = s.get("/admin/users"); err == nil {
			if m := csrfInput.FindStringSubmatch(page); m != nil {
				s.csrf = m[1]
			}
		}
	}
	return s, nil
}

func (s *panelSession) get(path string) (string, error) {
	resp, err := s.hc.Get(s.base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func (s *panelSession) post(path string, form url.Values) (int, error) {
	resp, err := s.hc.PostForm(s.base+path, form)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// holdConsoleStreams creates enough agent logins (the channels' agents
// first) and opens n inbox event streams spread over them; the streams
// stay open until ctx ends. It returns once every stream is open or
// refused.
func holdConsoleStreams(ctx context.Context, r *rig, n int) (*consoleLoad, error) {
	c := &consoleLoad{r: r}
	admin, err := signIn(r.base, &http.Transport{}, "admin", "", r.token)
	if err != nil {
		return nil, err
	}
	if admin.csrf == "" {
		return nil, errors.New("signing in to the panel: no form token")
	}
	logins := (n + streamsPerAgent - 1) / streamsPerAgent
	var agents []*panelSession
	for i := range logins {
		name := fmt.Sprintf("console%d", i)
		if i < len(r.channels) {
			name = r.channels[i].Ext
		}
		password := "load-console-password-" + name
		if status, err := admin.post("/admin/users", url.Values{"csrf": {admin.csrf}, "role": {"agent"}, "name": {name}, "password": {password}}); err != nil {
			return nil, err
		} else if status != http.StatusSeeOther && status != http.StatusUnprocessableEntity {
			return nil, fmt.Errorf("creating console login %s: answered %d", name, status)
		}
		// Each agent's browser comes from its own loopback address, as
		// agents do from their own machines: the daemon limits sign-ins
		// per address.
		local := &net.TCPAddr{IP: net.IPv4(127, byte(1+i/250), 0, byte(2+i%250))}
		tr := &http.Transport{MaxIdleConnsPerHost: streamsPerAgent,
			DialContext: (&net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}).DialContext}
		a, err := signIn(r.base, tr, "agent", name, password)
		if err != nil {
			return nil, err
		}
		agents = append(agents, a)
	}
	var wg sync.WaitGroup
	for i := range n {
		a := agents[i/streamsPerAgent]
		ready := make(chan struct{})
		wg.Add(1)
		go c.stream(ctx, a, ready)
		go func() { <-ready; wg.Done() }()
	}
	wg.Wait()
	return c, nil
}

// stream holds one inbox event stream, counting its frames; it closes
// ready once the stream is open or refused.
func (c *consoleLoad) stream(ctx context.Context, a *panelSession, ready chan struct{}) {
	once := sync.OnceFunc(func() { close(ready) })
	defer once()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/agent/events?view=inbox", nil)
	resp, err := a.hc.Do(req)
	if err != nil {
		c.failed.Add(1)
		return
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusTooManyRequests:
		c.refused.Add(1)
		return
	default:
		c.failed.Add(1)
		return
	}
	c.open.Add(1)
	once()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: html") {
			c.frames.Add(1)
		}
	}
}
