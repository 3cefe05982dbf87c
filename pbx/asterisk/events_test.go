package asterisk

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wachan/wachan/pbx"
)

// TestRecordedEvents feeds every recorded event stream to the handler.
func TestRecordedEvents(t *testing.T) {
	tests := []struct {
		file      string
		messages  int
		oversize  int
		endpoints int
		replaced  bool
	}{
		{"events-text-from-agent.jsonl", 3, 0, 0, false},
		{"events-text-from-agent-oversize.jsonl", 6, 4, 0, false},
		{"events-text-content-types.jsonl", 2, 0, 0, false},
		// +447700900001 is not a channel address: 2 of the 5 are ours.
		{"events-message-routing.jsonl", 2, 0, 0, false},
		// Doubled events, each reported once; ESC and CSC of one change once.
		{"events-duplicate-subscriptions.jsonl", 1, 0, 2, false},
		{"events-registration.jsonl", 0, 0, 3, false},
		{"events-application-replaced.jsonl", 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var msgs []pbx.TextMessage
			var eps []pbx.EndpointState
			a := New(Options{
				App:        "wachan",
				OnMessage:  func(m pbx.TextMessage) { msgs = append(msgs, m) },
				OnEndpoint: func(s pbx.EndpointState) { eps = append(eps, s) },
			})
			f, err := os.Open(filepath.Join("../../testdata/ari", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			replaced := false
			for sc.Scan() {
				if err := a.handle(sc.Bytes()); errors.Is(err, ErrReplaced) {
					replaced = true
				}
			}
			if len(msgs) != tt.messages || len(eps) != tt.endpoints || replaced != tt.replaced {
				t.Fatalf("messages %d, endpoints %d, replaced %v", len(msgs), len(eps), replaced)
			}
			over := 0
			for _, m := range msgs {
				if m.From != "1001" || m.To != "wa-447700900001" || m.Time.IsZero() {
					t.Fatalf("message %+v", m)
				}
				if m.Oversize {
					over++
					if m.Body != "" || m.ContentLength < 1024 {
						t.Fatalf("oversize message %+v", m)
					}
				} else if len(m.Body) != m.ContentLength {
					t.Fatalf("body of %d bytes, Content-Length %d", len(m.Body), m.ContentLength)
				}
			}
			if over != tt.oversize {
				t.Fatalf("%d oversize, want %d", over, tt.oversize)
			}
		})
	}
}

func FuzzHandle(f *testing.F) {
	for _, name := range []string{"events-text-from-agent.jsonl", "events-registration.jsonl", "events-application-replaced.jsonl"} {
		data, err := os.ReadFile(filepath.Join("../../testdata/ari", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"type":"TextMessageReceived","message":{"to":"pjsip:wa-1","variables":{"Content-Length":"x"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := New(Options{App: "wachan", OnMessage: func(m pbx.TextMessage) {
			if m.Oversize && m.Body != "" {
				t.Fatalf("oversize with a body: %+v", m)
			}
		}})
		a.handle(data)
	})
}

func FuzzUserPart(f *testing.F) {
	for _, s := range []string{"pjsip:wa-1@127.0.0.1", "<sip:1001@h>", `"A" <sip:x@y>;tag=1`, "", "<", "sip:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u := userPart(s)
		if len(u) > len(s) {
			t.Fatalf("userPart(%q) = %q grew", s, u)
		}
	})
}
