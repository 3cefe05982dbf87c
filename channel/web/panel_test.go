package web

import (
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wachan/wachan/store"
)

// post submits form to path with cookie and the session's CSRF token and
// returns the status, the Location header and the body.
func (p *testPanel) post(path, cookie, csrf string, form url.Values) (int, string, string) {
	p.t.Helper()
	form.Set("csrf", csrf)
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	resp, err := p.app.Test(req, -1) // no deadline: bcrypt under -race on a busy machine is slow
	if err != nil {
		p.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// TestFlashOnlyFromServer: a notice shown on top of a page comes from
// the form that led there, once, never from the URL.
func TestFlashOnlyFromServer(t *testing.T) {
	p := newTestPanel(t)
	const admin = "wachan_admin=admin-cookie"
	if _, body := p.get("/admin/users?flash=Your+account+is+locked.+Call+0800+123", admin); strings.Contains(body, "account is locked") {
		t.Fatalf("the page shows text from its URL:\n%s", body)
	}
	if _, body := p.get("/admin/sessions/1?error=Session+hijacked%2C+call+0800+123", admin); strings.Contains(body, "hijacked") {
		t.Fatalf("the session page shows an error from its URL:\n%s", body)
	}
	code, loc, _ := p.post("/admin/users", admin, "csrf-admin", url.Values{"role": {"agent"}, "name": {"1005"}, "password": {"agent-pass-1005"}})
	if code != 303 || loc != "/admin/users" {
		t.Fatalf("creating a login = %d to %q", code, loc)
	}
	if _, body := p.get(loc, admin); !strings.Contains(body, `class="flash"`) || !strings.Contains(body, "Login 1005 created.") {
		t.Fatalf("the notice is missing after the redirect:\n%s", body)
	}
	if _, body := p.get(loc, admin); strings.Contains(body, "Login 1005 created.") {
		t.Fatal("the notice is shown twice")
	}
	// Another session does not see it.
	p.post("/admin/users/1005/delete", admin, "csrf-admin", url.Values{})
	if _, body := p.get("/agent/", "wachan_agent=agent-cookie"); strings.Contains(body, "deleted") {
		t.Fatal("a notice reached another session")
	}
}

// TestSignedOutPages: sign-in pages show neither the menu nor Sign out.
func TestSignedOutPages(t *testing.T) {
	p := newTestPanel(t)
	for _, path := range []string{"/admin/login", "/agent/login"} {
		code, body := p.get(path, "")
		if code != 200 || strings.Contains(body, "Sign out") || strings.Contains(body, `href="/admin/channels"`) || strings.Contains(body, `aria-label="Main"`) {
			t.Fatalf("%s = %d shows the signed-in header:\n%s", path, code, body)
		}
	}
	if _, body := p.get("/admin/channels", "wachan_admin=admin-cookie"); !strings.Contains(body, "Sign out") || !strings.Contains(body, `href="/admin/queues"`) {
		t.Fatalf("a signed-in page lacks the menu:\n%s", body)
	}
}

// TestPBXBanner: every signed-in page says when no PBX is configured or
// it is disconnected, in words for the reader's role.
func TestPBXBanner(t *testing.T) {
	tests := []struct {
		name          string
		pbx           func() PBXStatus
		admin, agent  string
		adminNo, agNo string
	}{
		{"none", nil, "ari_url is not set", "only here, in this console", "pbx-down", "pbx-down"},
		{"down", func() PBXStatus { return PBXStatus{Configured: true} }, "wachan doctor", "your phone gets nothing", "no-pbx", "no-pbx"},
		{"up", func() PBXStatus { return PBXStatus{Configured: true, Connected: true} }, "", "", "banner", "banner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestPanelWith(t, io.Discard, func(o *Options) { o.PBX = tt.pbx })
			for _, path := range []string{"/admin/channels", "/admin/sessions", "/admin/queues", "/admin/system"} {
				_, body := p.get(path, "wachan_admin=admin-cookie")
				if !strings.Contains(body, tt.admin) || strings.Contains(body, tt.adminNo) {
					t.Fatalf("%s: want %q, not %q:\n%s", path, tt.admin, tt.adminNo, body)
				}
			}
			for _, path := range []string{"/agent/", "/agent/c/1"} {
				_, body := p.get(path, "wachan_agent=agent-cookie")
				if !strings.Contains(body, tt.agent) || strings.Contains(body, tt.agNo) {
					t.Fatalf("%s: want %q, not %q:\n%s", path, tt.agent, tt.agNo, body)
				}
			}
			if _, body := p.get("/agent/login", ""); strings.Contains(body, "PBX") {
				t.Fatalf("the sign-in page talks about the PBX:\n%s", body)
			}
		})
	}
}

// TestSessionsByLastActivity: the chat log lists the most recently active
// sessions first, whatever their numbers; the session page's timeline
// interleaves routing steps with the messages.
func TestSessionsByLastActivity(t *testing.T) {
	p := newTestPanel(t)
	now := time.Now().UTC()
	var ids []uint64
	err := p.st.Update(func(tx *store.Tx) error {
		for _, ago := range []time.Duration{3 * time.Hour, 2 * time.Hour} {
			at := now.Add(-ago)
			s := &store.Session{ChannelID: "ch1", CustomerKey: "447700900002", State: store.StateClosed, CreatedAt: at, UpdatedAt: at, LastMessageAt: at, ClosedAt: at}
			s.Note(store.SessionEvent{At: at.Add(-time.Minute), Event: "opened", Detail: "for queue sales"})
			s.Note(store.SessionEvent{At: at.Add(-time.Minute), Event: "offered", Detail: "to 1001"})
			s.Note(store.SessionEvent{At: at.Add(time.Second), Event: "transferred", By: "1001", Detail: "to extension 1002"})
			s.Note(store.SessionEvent{At: at.Add(2 * time.Second), Event: "closed", Detail: "was closed by 1002"})
			id, err := tx.AddSession(s)
			if err != nil {
				return err
			}
			m := &store.Message{ChannelID: "ch1", CustomerKey: "447700900002", SessionID: id, Direction: store.Inbound, Type: "text", Text: "where is my order", Timestamp: at}
			if _, err := tx.AddMessage(m); err != nil {
				return err
			}
			if err := tx.IndexMessage(m); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, body := p.get("/admin/sessions", "wachan_admin=admin-cookie")
	order := regexp.MustCompile(`href="/admin/sessions/(\d+)"`).FindAllStringSubmatch(body, -1)
	var got []string
	for _, m := range order {
		got = append(got, m[1])
	}
	want := []string{"1", fmt.Sprint(ids[1]), fmt.Sprint(ids[0])}
	if !slices.Equal(got, want) {
		t.Fatalf("sessions in order %v, want %v (most recent activity first)", got, want)
	}

	_, body = p.get(fmt.Sprintf("/admin/sessions/%d", ids[0]), "wachan_admin=admin-cookie")
	steps := []string{"Opened for queue sales.", "Offered to 1001.", "where is my order", "Transferred to extension 1002 (by 1001).", "Closed by 1002."}
	last := -1
	for _, s := range steps {
		i := strings.Index(body, s)
		if i < 0 || i < last {
			t.Fatalf("timeline lacks %q in order %q:\n%s", s, steps, body)
		}
		last = i
	}
}

// TestConsoleMedia: an image message shows its caption once and its
// picture from the panel's own origin; the unread count sits beside the
// customer's name.
func TestConsoleMedia(t *testing.T) {
	p := newTestPanelWith(t, io.Discard, func(o *Options) {
		o.PublicURL = "https://pbx.example.com"
		o.MediaLink = func(m *store.Message) string { return "https://pbx.example.com/media/signed-link" }
	})
	now := time.Now().UTC()
	err := p.st.Update(func(tx *store.Tx) error {
		m := &store.Message{ChannelID: "ch1", CustomerKey: "447700900001", SessionID: 1, Direction: store.Inbound, Type: "image",
			Text: "[image] my parcel arrived broken", Timestamp: now, Media: &store.MediaRef{MIME: "image/jpeg", Caption: "my parcel arrived broken", FileID: "f1"}}
		if _, err := tx.AddMessage(m); err != nil {
			return err
		}
		return tx.IndexMessage(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, body := p.get("/agent/c/1", "wachan_agent=agent-cookie")
	if n := strings.Count(body, "my parcel arrived broken"); n != 1 {
		t.Fatalf("the caption shows %d times:\n%s", n, body)
	}
	if !strings.Contains(body, `<img src="/media/signed-link"`) {
		t.Fatalf("the image is not loaded from the panel's origin:\n%s", body)
	}
	_, body = p.get("/agent/", "wachan_agent=agent-cookie")
	if !regexp.MustCompile(`<span class="who">[^<]*<span class="unread"`).MatchString(body) {
		t.Fatalf("the unread count is not beside the name:\n%s", body)
	}
}
