// Package ssetest reads a server-sent event stream in tests, as the agent
// console's live views do in a browser. Only tests use it.
package ssetest

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Stream is an open event stream; each event's data (its "data:" lines
// joined, each ending in a newline) arrives in order.
type Stream struct {
	events chan string
	cancel context.CancelFunc
	done   chan struct{}
}

// Open opens the stream at url with client, failing the test unless it
// answers 200, and closes it when the test ends.
func Open(t testing.TB, client *http.Client, url string) *Stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != 200 {
		cancel()
		t.Fatalf("opening %s: %v %v", url, resp, err)
	}
	s := &Stream{events: make(chan string, 64), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<22)
		var ev strings.Builder
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "" && ev.Len() > 0:
				s.events <- ev.String()
				ev.Reset()
			case strings.HasPrefix(line, "data: "):
				ev.WriteString(line[len("data: "):] + "\n")
			}
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// Close closes the stream and waits until it has.
func (s *Stream) Close() {
	s.cancel()
	<-s.done
}

// WaitFor waits (a minute at most) for an event containing every one of
// want and returns it.
func (s *Stream) WaitFor(t testing.TB, want ...string) string {
	t.Helper()
	timeout := time.After(time.Minute)
	last := ""
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("event stream ended waiting for %q; last event:\n%s", want, last)
			}
			last = ev
			all := true
			for _, w := range want {
				all = all && strings.Contains(ev, w)
			}
			if all {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event with %q; last event:\n%s", want, last)
		}
	}
}
