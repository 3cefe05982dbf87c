package daemon

import (
	"net/url"
	"strings"
	"testing"
)

// TestQueueMembersWithoutPBX: without a PBX the panel takes as queue
// members only console users (the console is then the agents' only view),
// and the queues page shows one signed in as present there.
func TestQueueMembersWithoutPBX(t *testing.T) {
	t.Parallel()
	p := startConsoleOnly(t, map[string]string{"type": "extension", "id": "1001"})
	admin := signIn(t, p.base, "admin", "", adminToken)
	form := url.Values{"name": {"sales"}, "members": {"1001, abc"}, "strategy": {"ringall"}, "pickup": {"first_reply"}}
	if code, page := admin.post("/admin/queues/new", form); code != 422 || !strings.Contains(page, "no agents have extensions 1001, abc; without a PBX, members must be console users") {
		t.Fatalf("queue of unknown members = %d:\n%s", code, page)
	}
	if code := p.do("GET", "/api/v1/queues/sales", nil, nil); code != 404 {
		t.Fatalf("refused queue stored: GET = %d", code)
	}
	for _, ext := range []string{"1001", "1002"} {
		if code, _ := admin.post("/admin/users", url.Values{"role": {"agent"}, "name": {ext}, "password": {"agent-pass-" + ext}}); code != 200 {
			t.Fatalf("creating agent %s = %d", ext, code)
		}
	}
	form.Set("members", "1001 1002")
	if code, page := admin.post("/admin/queues/new", form); code != 200 || !strings.Contains(page, "Queue sales saved") {
		t.Fatalf("queue of console users = %d:\n%s", code, page)
	}
	signIn(t, p.base, "agent", "1001", "agent-pass-1001")
	_, page := admin.get("/admin/queues")
	for _, want := range []string{"1001 <span class=\"muted\">present: console</span>", "1002 <span class=\"muted\">away</span>"} {
		if !strings.Contains(page, want) {
			t.Errorf("queues page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatalf("queues page:\n%s", page)
	}
	// The queue's own page says it too.
	_, page = admin.get("/admin/queues/sales")
	if !strings.Contains(page, `id="member-presence"`) || !strings.Contains(page, "1001 <span class=\"muted\">present: console</span>") {
		t.Fatalf("queue page:\n%s", page)
	}
}
