package demo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/internal/ssetest"
)

// agentClient is a browser-less agent in the demo's console.
type agentClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signInAgent(t *testing.T, base, ext, password string) *agentClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &agentClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: time.Minute}}
	_, page := a.do("GET", "/agent/login", nil)
	if m := csrfInput.FindStringSubmatch(page); m != nil {
		a.csrf = m[1]
	}
	code, page := a.do("POST", "/agent/login", url.Values{"name": {ext}, "password": {password}})
	m := csrfInput.FindStringSubmatch(page)
	if code != 200 || m == nil || strings.Contains(page, `action="/agent/login"`) {
		t.Fatalf("signing in as %s = %d:\n%s", ext, code, page)
	}
	a.csrf = m[1]
	return a
}

func (a *agentClient) do(method, path string, form url.Values) (int, string) {
	a.t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		form.Set("csrf", a.csrf)
		resp, err = a.http.PostForm(a.base+path, form)
	} else {
		resp, err = a.http.Get(a.base + path)
	}
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// events opens a console event stream until the test ends.
func (a *agentClient) events(path string) *ssetest.Stream {
	a.t.Helper()
	return ssetest.Open(a.t, &http.Client{Jar: a.http.Jar}, a.base+path)
}

// customer posts to the customer page.
func customer(t *testing.T, m *Demo, path string, form url.Values) {
	t.Helper()
	resp, err := http.PostForm(m.PageURL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s = %d: %s", path, resp.StatusCode, b)
	}
}

// waitState polls the customer page's state until ok.
func waitState(t *testing.T, m *Demo, what string, ok func(s *stateView) bool) *stateView {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(m.PageURL + "/state")
		if err != nil {
			t.Fatal(err)
		}
		var s stateView
		err = json.NewDecoder(resp.Body).Decode(&s)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ok(&s) {
			return &s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the customer page never showed %s: %+v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func chatHas(s *stateView, from, text string) bool {
	for _, l := range s.Chat {
		if l.From == from && strings.Contains(l.Text, text) {
			return true
		}
	}
	return false
}

// chatRead reports whether the business's message text is read.
func chatRead(s *stateView, text string) bool {
	for _, l := range s.Chat {
		if l.From == "business" && strings.Contains(l.Text, text) && l.Read {
			return true
		}
	}
	return false
}

func phoneHas(s *stateView, ext, text string) bool {
	for _, p := range s.Phones {
		for _, m := range p.Messages {
			if p.Ext == ext && strings.Contains(m.Body, text) {
				return true
			}
		}
	}
	return false
}

// TestDemoEndToEnd drives the demo over HTTP as a visitor would: the
// customer writes text, a photo and interactive replies on the customer
// page; they reach the agent console and a simulated phone; the agent
// answers from the console and from the phone; the answers reach the
// customer page and the reply's ticks come back to the console.
func TestDemoEndToEnd(t *testing.T) {
	m := New(Options{Listen: "127.0.0.1:0", StatusDelay: 20 * time.Millisecond})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})

	resp, err := http.Get(m.PageURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "DEMO") || !strings.Contains(string(page), "nothing reaches Meta or a real PBX") {
		t.Fatalf("the customer page is not labelled a demo:\n%s", page)
	}

	agent := signInAgent(t, m.PanelURL, "1001", AgentPassword("1001"))
	if _, inbox := agent.do("GET", "/agent/", nil); !strings.Contains(inbox, `id="demo"`) {
		t.Fatalf("the console is not labelled a demo:\n%s", inbox)
	}
	inbox := agent.events("/agent/events?view=inbox")

	// A text reaches the console and phone 1001; phone 1003 is off.
	customer(t, m, "/customer/text", url.Values{"text": {"Hello from the demo"}})
	ev := inbox.WaitFor(t, "Hello from the demo")
	id := regexp.MustCompile(`/agent/c/(\d+)"`).FindStringSubmatch(ev)
	if id == nil {
		t.Fatalf("no conversation link in the inbox:\n%s", ev)
	}
	s := waitState(t, m, "the message on phone 1001", func(s *stateView) bool { return phoneHas(s, "1001", "Hello from the demo") })
	if !chatHas(s, "customer", "Hello from the demo") || s.Phones[2].Online || len(s.Phones[2].Messages) != 0 {
		t.Fatalf("state after the first message: %+v", s)
	}

	// Interactive replies and a photo show in the conversation.
	thread := agent.events("/agent/events?view=conversation&id=" + id[1])
	customer(t, m, "/customer/button", url.Values{"title": {"Yes, please"}})
	customer(t, m, "/customer/list", url.Values{"title": {"Delivery status"}})
	customer(t, m, "/customer/image", url.Values{"caption": {"my parcel"}})
	thread.WaitFor(t, "Yes, please", "Delivery status", "my parcel")
	waitState(t, m, "the photo on phone 1001", func(s *stateView) bool { return phoneHas(s, "1001", "my parcel") })

	// The agent answers from the console: the customer gets it and the
	// ticks come back.
	if code, page := agent.do("POST", "/agent/c/"+id[1], url.Values{"action": {"send"}, "text": {"Thanks Ann, it ships today"}}); code != 200 || strings.Contains(page, `id="conv-error"`) {
		t.Fatalf("reply from the console = %d:\n%s", code, page)
	}
	waitState(t, m, "the console's reply", func(s *stateView) bool { return chatHas(s, "business", "Thanks Ann, it ships today") })
	// Delivered once the customer page has it, read once it shows it in
	// view, as the page tells the demo.
	thread.WaitFor(t, "Thanks Ann, it ships today", "tick-sent")
	customer(t, m, "/customer/received", url.Values{"shown": {"1"}})
	thread.WaitFor(t, "Thanks Ann, it ships today", "tick-delivered")
	if s := waitState(t, m, "state", func(*stateView) bool { return true }); chatRead(s, "Thanks Ann, it ships today") {
		t.Fatal("the reply is read before the customer page showed it")
	}
	customer(t, m, "/customer/read", url.Values{"shown": {"1"}})
	waitState(t, m, "the reply read", func(s *stateView) bool { return chatRead(s, "Thanks Ann, it ships today") })
	thread.WaitFor(t, "Thanks Ann, it ships today", "tick-read")

	// The same agent answers from the phone.
	s = waitState(t, m, "a reply address on phone 1001", func(s *stateView) bool { return s.Phones[0].ReplyTo != "" })
	customer(t, m, "/phone/1001/say", url.Values{"to": {s.Phones[0].ReplyTo}, "text": {"And from my phone"}})
	waitState(t, m, "the phone's reply", func(s *stateView) bool { return chatHas(s, "business", "And from my phone") })
	thread.WaitFor(t, "And from my phone")

	// 1001 closes it. 1003, whose phone is off, signs in to the console:
	// the next conversation is offered to 1003 there, and what was sent
	// to 1003's phone waits until the phone is switched on.
	if code, page := agent.do("POST", "/agent/c/"+id[1], url.Values{"action": {"close"}}); code != 200 || strings.Contains(page, `id="conv-error"`) {
		t.Fatalf("close from the console = %d:\n%s", code, page)
	}
	other := signInAgent(t, m.PanelURL, "1003", AgentPassword("1003"))
	inbox3 := other.events("/agent/events?view=inbox")
	customer(t, m, "/customer/text", url.Values{"text": {"One more question"}})
	inbox3.WaitFor(t, "One more question")
	waitState(t, m, "the new conversation on phone 1002", func(s *stateView) bool { return phoneHas(s, "1002", "One more question") })
	if s := waitState(t, m, "state", func(*stateView) bool { return true }); len(s.Phones[2].Messages) != 0 {
		t.Fatalf("phone 1003 got messages while off: %+v", s.Phones[2])
	}
	customer(t, m, "/phone/1003/on", url.Values{})
	waitState(t, m, "the held offer on phone 1003", func(s *stateView) bool { return s.Phones[2].Online && phoneHas(s, "1003", "One more question") })
}
