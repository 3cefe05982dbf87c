package graphemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestCustomerRead checks that a read asked for at once still arrives
// StatusDelay after the message's automatic statuses, and only for a
// message sent.
func TestCustomerRead(t *testing.T) {
	const delay = 50 * time.Millisecond
	got := make(chan string, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct {
			Entry []struct {
				Changes []struct {
					Value struct {
						Statuses []struct{ ID, Status string }
					}
				}
			}
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &env); err != nil {
			t.Errorf("webhook %s: %v", b, err)
		}
		for _, st := range env.Entry[0].Changes[0].Value.Statuses {
			got <- st.ID + " " + st.Status
		}
	}))
	defer recv.Close()
	s, base := start(t, Options{StatusDelay: delay, Statuses: []string{"sent", "delivered"}}, func(n *Number) { n.WebhookURL = recv.URL })
	if s.CustomerRead(pnid, "wamid.unknown") || s.CustomerRead("unknown", "wamid.unknown") {
		t.Fatal("CustomerRead of a message never sent succeeded")
	}
	sent := time.Now()
	status, out, _ := call(t, "POST", base+"/v25.0/"+pnid+"/messages", token, `{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"hi"}}`)
	if status != 200 {
		t.Fatalf("send: %d %v", status, out)
	}
	wamid := s.Sent(pnid)[0].WAMID
	if !s.CustomerRead(pnid, wamid) {
		t.Fatal("CustomerRead of a sent message failed")
	}
	for _, want := range []string{"sent", "delivered", "read"} {
		select {
		case g := <-got:
			if g != wamid+" "+want {
				t.Fatalf("status %q, want %s %s", g, wamid, want)
			}
		case <-time.After(time.Minute):
			t.Fatalf("no %s status", want)
		}
	}
	if since := time.Since(sent); since < 2*delay {
		t.Fatalf("read %v after the send, want at least %v", since, 2*delay)
	}
}
