package daemon

import (
	"net/url"
	"strings"
	"testing"
)

// TestSignInsEndOnCredentialChange signs in to the panel with the admin
// token and to the console as an agent, then resets the agent's password
// and rotates the admin token: each sign-in made with the old credential
// ends, while one made with a credential still in force survives.
func TestSignInsEndOnCredentialChange(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "http://127.0.0.1:1")
	h := start(t, cfg)
	admin := signInAs(t, h.base, "admin", "", adminToken)
	for _, ext := range []string{"1001", "1002"} {
		if code, body := admin.post("/admin/users", url.Values{"role": {"agent"}, "name": {ext}, "password": {"password-" + ext}}); code != 303 {
			t.Fatalf("create agent %s = %d %s", ext, code, body)
		}
	}
	agent1 := signInAs(t, h.base, "agent", "1001", "password-1001")
	agent2 := signInAs(t, h.base, "agent", "1002", "password-1002")
	if code, _ := agent1.get("/agent/"); code != 200 {
		t.Fatalf("console before the reset = %d", code)
	}

	if code, body := admin.post("/admin/users/1001/password", url.Values{"password": {"new-password-1001"}}); code != 303 {
		t.Fatalf("reset password = %d %s", code, body)
	}
	if code, _ := agent1.get("/agent/"); code != 303 {
		t.Fatalf("console after the password reset = %d, want a redirect to sign in", code)
	}
	if code, _ := agent1.post("/agent/logout", nil); code != 401 {
		t.Fatalf("form after the password reset = %d, want 401", code)
	}
	if code, _ := agent2.get("/agent/"); code != 200 {
		t.Fatalf("another agent's console after the reset = %d", code)
	}
	signInAs(t, h.base, "agent", "1001", "new-password-1001")

	// A new admin token: sign-ins made with the old one end; the agent's
	// sign-in does not depend on it.
	h.stop()
	cfg.AdminToken = "rotated-admin-token-0123456789abcdef"
	h = start(t, cfg)
	if code, _ := admin.get("/admin/channels"); code != 303 {
		t.Fatalf("panel after the admin token changed = %d, want a redirect to sign in", code)
	}
	if code, _ := agent2.get("/agent/"); code != 200 {
		t.Fatalf("console after the admin token changed = %d", code)
	}
	signInAs(t, h.base, "admin", "", cfg.AdminToken)
}

// TestFailedSignInLogsNoSecret types a secret into the user name field:
// the failed sign-in is logged without it.
func TestFailedSignInLogsNoSecret(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	h, _ := startLogged(t, testConfig(t, "http://127.0.0.1:1"), logs)
	const secret = "Sup3rSecretPasswordTypedInTheWrongField"
	for _, role := range []string{"admin", "agent"} {
		p := newPanelClient(t, h.base, role)
		if code := p.signIn(secret, "x"); code != 401 {
			t.Fatalf("%s sign-in = %d", role, code)
		}
	}
	logs.waitLog(t, "web sign-in failed")
	if text := logs.String(); strings.Contains(text, secret) || strings.Contains(text, secret[:12]) {
		t.Fatalf("the name field was logged:\n%s", text)
	}
}
