package web

import (
	"bufio"
	"bytes"
	"sync"
	"time"
)

// hub wakes the open event streams; wakeups coalesce.
type hub struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

func newHub() *hub { return &hub{subs: map[chan struct{}]struct{}{}} }

func (h *hub) subscribe() chan struct{} {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch
}

func (h *hub) unsubscribe(ch chan struct{}) {
	h.mu.Lock()
	delete(h.subs, ch)
	h.mu.Unlock()
}

func (h *hub) notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// heartbeat keeps idle event streams (and proxies) alive.
const heartbeat = 15 * time.Second

// stream writes render's output as an SSE message now and whenever the hub
// wakes it and the output changed, until the client goes or done closes.
func (h *hub) stream(bw *bufio.Writer, done <-chan struct{}, render func() ([]byte, error)) {
	sub := h.subscribe()
	defer h.unsubscribe(sub)
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	var last []byte
	send := func() bool {
		b, err := render()
		if err != nil {
			// Tell the page to stop listening.
			bw.WriteString("event: gone\ndata: \n\n")
			bw.Flush()
			return false
		}
		if last != nil && bytes.Equal(b, last) {
			return true
		}
		last = b
		bw.WriteString("event: html\n")
		for _, line := range bytes.Split(b, []byte("\n")) {
			bw.WriteString("data: ")
			bw.Write(line)
			bw.WriteString("\n")
		}
		bw.WriteString("\n")
		return bw.Flush() == nil
	}
	if !send() {
		return
	}
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			bw.WriteString(": ping\n\n")
			if bw.Flush() != nil {
				return
			}
		case <-sub:
			if !send() {
				return
			}
		}
	}
}
