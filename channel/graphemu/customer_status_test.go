package graphemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestCustomerStatus checks that statuses asked for at once still arrive
// in order, StatusDelay apart after the message's automatic ones, with
// the pricing of a delivered one, and only for a message sent.
func TestCustomerStatus(t *testing.T) {
	const delay = 50 * time.Millisecond
	got := make(chan string, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env struct {
			Entry []struct {
				Changes []struct {
					Value struct {
						Statuses []struct {
							ID, Status string
							Pricing    *struct{ Category string }
						}
					}
				}
			}
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &env); err != nil {
			t.Errorf("webhook %s: %v", b, err)
		}
		for _, st := range env.Entry[0].Changes[0].Value.Statuses {
			if (st.Pricing != nil) != (st.Status != "read") || st.Pricing != nil && st.Pricing.Category != "service" {
				t.Errorf("%s status priced %+v", st.Status, st.Pricing)
			}
			got <- st.ID + " " + st.Status
		}
	}))
	defer recv.Close()
	s, base := start(t, Options{StatusDelay: delay, Statuses: []string{"sent"}}, func(n *Number) { n.WebhookURL = recv.URL })
	if s.CustomerStatus(pnid, "wamid.unknown", "read") || s.CustomerStatus("unknown", "wamid.unknown", "read") {
		t.Fatal("a status of a message never sent was queued")
	}
	sent := time.Now()
	status, out, _ := call(t, "POST", base+"/v25.0/"+pnid+"/messages", token, `{"messaging_product":"whatsapp","to":"5511912345678","type":"text","text":{"body":"hi"}}`)
	if status != 200 {
		t.Fatalf("send: %d %v", status, out)
	}
	wamid := s.Sent(pnid)[0].WAMID
	if !s.CustomerStatus(pnid, wamid, "delivered") || !s.CustomerStatus(pnid, wamid, "read") {
		t.Fatal("a status of a sent message was not queued")
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
