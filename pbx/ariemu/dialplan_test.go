package ariemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// messageState is one entry of message-states.json.
type messageState struct {
	State       string   `json:"state"`
	Source      string   `json:"source"`
	Subscribe   []string `json:"subscribe"`
	Unsubscribe []string `json:"unsubscribe"`
	Connected   bool     `json:"websocket_connected"`
	Dialplan    string   `json:"dialplan"`
	To          string   `json:"to"`
	SIPAnswer   int      `json:"sip_answer"`
	Events      int      `json:"ari_events"`
	Missed      int      `json:"missed"`
	DialplanRan bool     `json:"dialplan_ran"`
}

func TestMessageStates(t *testing.T) {
	data, err := readFixture("message-states.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		States []messageState `json:"states"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.States) < 10 {
		t.Fatalf("%d states", len(doc.States))
	}
	for _, st := range doc.States {
		t.Run(st.State, func(t *testing.T) {
			e := newEnv(t)
			e.register("1001", "1002")
			var ran atomic.Int32
			switch st.Dialplan {
			case "recorded":
				e.s.SetDialplan(Extension{Pattern: RecordedDialplan()[0].Pattern, Run: func(*Server, Message) { ran.Add(1) }})
			case "empty":
				e.s.SetDialplan()
			default:
				t.Fatalf("dialplan %q", st.Dialplan)
			}
			c := e.connect("wachan", "a")
			e.subscribe("wachan", st.Subscribe...)
			for _, src := range st.Unsubscribe {
				e.rest(http.MethodDelete, "/applications/wachan/subscription?eventSource="+src, 200)
			}
			if !st.Connected {
				e.closeWS("a", "wachan", len(st.Subscribe) > len(st.Unsubscribe))
			}
			if got := e.s.PhoneSend("1001", st.To, "state: "+st.State); got != st.SIPAnswer {
				t.Fatalf("SIP answer %d, want %d", got, st.SIPAnswer)
			}
			if got := e.s.Missed("wachan"); got != st.Missed {
				t.Fatalf("missed %d, want %d", got, st.Missed)
			}
			if got := ran.Load() == 1; got != st.DialplanRan {
				t.Fatalf("dialplan ran: %v, want %v", got, st.DialplanRan)
			}
			if !st.Connected {
				return
			}
			// A later registration of 1003, subscribed on its own, proves
			// that nothing but the expected events came before it.
			e.subscribe("wachan", "endpoint:PJSIP/1003")
			e.register("1003")
			n := 0
			for field(t, next(t, c), "type") != "EndpointStateChange" {
				n++
			}
			if n != st.Events {
				t.Fatalf("%d events, want %d", n, st.Events)
			}
		})
	}
}

func TestSubscriptionReferences(t *testing.T) {
	e := newEnv(t)
	e.connect("wachan", "a")
	for range 6 {
		e.subscribe("wachan", "endpoint:PJSIP")
	}
	if got := e.s.SubscriptionRefs("wachan", "PJSIP"); got != 6 {
		t.Fatalf("%d references after 6 POSTs", got)
	}
	e.closeWS("a", "wachan", true)
	for i := range 6 {
		body := e.rest(http.MethodDelete, "/applications/wachan/subscription?eventSource=endpoint:PJSIP", 200)
		listed := strings.Contains(string(body), `"endpoint_ids":["PJSIP"]`)
		if last := i == 5; listed == last {
			t.Fatalf("after DELETE %d: %s", i+1, body)
		}
	}
	e.rest(http.MethodDelete, "/applications/wachan/subscription?eventSource=endpoint:PJSIP", 422)
	// Unsubscribed while inactive, the application lingers until a
	// websocket connects or closes, and then it is destroyed.
	e.rest(http.MethodGet, "/applications/wachan", 200)
	e.connect("other", "b")
	e.rest(http.MethodGet, "/applications/wachan", 404)
}

// handoffTarget is a stand-in for wachan's hand-off endpoint.
type handoffTarget struct {
	srv    *httptest.Server
	answer atomic.Value // string
	got    chan url.Values
}

func newHandoffTarget(t *testing.T, answer string) *handoffTarget {
	h := &handoffTarget{got: make(chan url.Values, 10)}
	h.answer.Store(answer)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "wachan" || pass != "s3cret" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"unauthorized"}`)
			return
		}
		r.ParseForm()
		h.got <- r.PostForm
		fmt.Fprint(w, h.answer.Load().(string)+"\n")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func TestHandoffExtension(t *testing.T) {
	const notice = "[wachan] Not sent: the WhatsApp gateway is offline."
	body := "Grüße, 50% & more 👋"
	for _, tc := range []struct {
		name    string
		answer  string
		userpwd string
		down    bool
		bounced bool
	}{
		{"accepted", "accepted", "wachan:s3cret", false, false},
		{"wrong secret", "accepted", "wachan:nope", false, true},
		{"other answer", "busy", "wachan:s3cret", false, true},
		{"not listening", "accepted", "wachan:s3cret", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.register("1001")
			target := newHandoffTarget(t, tc.answer)
			if tc.down {
				target.srv.Close()
			}
			e.s.SetDialplan(Handoff{URL: target.srv.URL + "/pbx/message", UserPwd: tc.userpwd, Accepted: "accepted", Notice: notice}.Extension("_wa-."))
			if got := e.s.PhoneSend("1001", "wa-1-447700900001", body); got != 202 {
				t.Fatalf("SIP answer %d", got)
			}
			inbox := e.s.Inbox("1001")
			if !tc.bounced {
				if len(inbox) != 0 {
					t.Fatalf("bounced although accepted: %+v", inbox)
				}
				form := <-target.got
				if form.Get("body") != body || form.Get("from") != "<sip:1001@127.0.0.1>" ||
					form.Get("to") != "pjsip:wa-1-447700900001@127.0.0.1" || form.Get("call_id") == "" ||
					!strings.HasSuffix(form.Get("cseq"), " MESSAGE") || form.Get("length") != fmt.Sprint(len(body)) {
					t.Fatalf("posted %v", form)
				}
				return
			}
			if len(inbox) != 1 || inbox[0].Body != notice || inbox[0].From != "<sip:wa-1-447700900001@127.0.0.1>" {
				t.Fatalf("inbox %+v", inbox)
			}
		})
	}
}

func TestHandoffToOfflineSenderSendsNothing(t *testing.T) {
	e := newEnv(t)
	e.register("1001")
	e.s.SetDialplan(Handoff{URL: "http://127.0.0.1:1/pbx/message", Accepted: "accepted", Notice: "x"}.Extension("_wa-."))
	e.s.Unregister("1001")
	e.s.PhoneSend("1001", "wa-1-447700900001", "hello")
	if got := e.s.Inbox("1001"); len(got) != 0 {
		t.Fatalf("inbox %+v", got)
	}
}

// GET /asterisk/modules/{name} follows ast_ari_asterisk_get_module (not
// recorded): the Module object, or 404 for a module that is not running.
func TestModules(t *testing.T) {
	e := newEnv(t)
	body := e.rest(http.MethodGet, "/asterisk/modules/func_curl.so", 200)
	if !strings.HasPrefix(string(body), `{"name":"func_curl.so","description":`) || !strings.Contains(string(body), `"status":"Running"`) {
		t.Fatalf("module: %s", body)
	}
	if body := e.rest(http.MethodGet, "/asterisk/modules/chan_sip.so", 404); string(body) != `{"message":"Module could not be found in running modules"}` {
		t.Fatalf("missing module: %s", body)
	}
}
