package daemon

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
)

// postFile posts a console upload form and returns the status.
func (p *panelClient) postFile(path, name string, data []byte) int {
	p.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", p.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	resp, err := p.client.Post(p.base+path, mw.FormDataContentType(), &buf)
	if err != nil {
		p.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConsoleActsWithTheAgentsRights has two agents of one queue: once
// 1001 took the customer's conversation, 1002 can neither read it (page or
// event stream) nor send in it (template, file) from the console, while
// 1001 can.
func TestConsoleActsWithTheAgentsRights(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"}, queue("sales", "ringall", "1001", "1002"))
	p.register("1001", "1002")
	p.syncTemplate()
	admin := signInAs(t, p.base, "admin", "", adminToken)
	for _, ext := range []string{"1001", "1002"} {
		if code, body := admin.post("/admin/users", url.Values{"role": {"agent"}, "name": {ext}, "password": {"password-" + ext}}); code != 303 {
			t.Fatalf("create agent %s = %d %s", ext, code, body)
		}
	}
	owner := signInAs(t, p.base, "agent", "1001", "password-1001")
	other := signInAs(t, p.base, "agent", "1002", "password-1002")

	p.customerSays(customer, "Ann", "Where is my order?")
	_, n := p.waitFor("1001", 0, "Where is my order?")
	p.phoneSays("1001", "wa-1-"+customer, "/take")
	p.waitFor("1001", n, "You took conversation")
	ss := p.sessions("?state=active")
	if len(ss) != 1 || ss[0]["agent"] != "1001" {
		t.Fatalf("sessions = %v", ss)
	}
	conv := fmt.Sprintf("/agent/c/%v", ss[0]["id"])

	if code, _ := other.get(conv); code != 403 {
		t.Errorf("another agent reads the conversation: %d", code)
	}
	if code, body := other.get(fmt.Sprintf("/agent/events?view=conversation&id=%v", ss[0]["id"])); code != 204 {
		t.Errorf("another agent streams the conversation: %d %.200s", code, body)
	}
	if code, _ := other.post(conv+"/template", url.Values{"template": {"follow_up|en_US"}, "values": {"Ann"}}); code != 403 {
		t.Errorf("another agent sends a template: %d", code)
	}
	if code := other.postFile(conv+"/file", "note.txt", []byte("hello")); code != 403 {
		t.Errorf("another agent sends a file: %d", code)
	}
	if _, inbox := other.get("/agent/"); strings.Contains(inbox, "Where is my order?") {
		t.Errorf("another agent's inbox lists the conversation")
	}
	if c := p.graph.SentCount(pnid); c != 0 {
		t.Fatalf("%d messages sent on another agent's behalf", c)
	}

	// The owner can.
	if code, page := owner.get(conv); code != 200 || !strings.Contains(page, "Where is my order?") {
		t.Fatalf("owner reads the conversation: %d", code)
	}
	if code, body := owner.post(conv+"/template", url.Values{"template": {"follow_up|en_US"}, "values": {"Ann"}}); code != 303 {
		t.Fatalf("owner sends a template: %d %s", code, body)
	}
	poll(t, "the template sent", func() bool { return p.graph.SentCount(pnid) == 1 })
	if code := owner.postFile(conv+"/file", "invoice.pdf", mediaSample("%PDF-1.7\n", 30_000)); code != 303 {
		t.Fatalf("owner sends a file: %d", code)
	}
	poll(t, "the file sent", func() bool { return p.graph.SentCount(pnid) == 2 })
	if ss := p.sessions("?state=active"); len(ss) != 1 || ss[0]["agent"] != "1001" {
		t.Fatalf("sessions after the template = %v", ss)
	}
}
