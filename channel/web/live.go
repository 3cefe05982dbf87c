package web

import (
	"bufio"
	"bytes"
	"sync"
	"time"
)

// hub serves the console's live views to its event streams. Each distinct
// view (an agent's inbox, a conversation as one agent sees it) is
// rendered once per change, however many streams show it, at most once
// per minGap; wakeups coalesce. Streams are capped per sign-in and in
// total.
type hub struct {
	maxLogin, maxTotal int
	minGap             time.Duration

	mu      sync.Mutex
	views   map[string]*liveView
	logins  map[string]int
	streams int
	renders int64
}

// liveView is one view and the streams showing it. Its fields are guarded
// by the hub's mutex, except render, set once.
type liveView struct {
	render func() ([]byte, error)
	wake   chan struct{}
	subs   map[chan frame]struct{}
	// last is the latest frame; nil before the first render.
	last *frame
}

// frame is what a stream sends: the view's HTML, or that it is gone.
type frame struct {
	html []byte
	gone bool
}

func newHub(maxLogin, maxTotal int, minGap time.Duration) *hub {
	return &hub{maxLogin: maxLogin, maxTotal: maxTotal, minGap: minGap,
		views: map[string]*liveView{}, logins: map[string]int{}}
}

// admit reserves a stream for login; it returns false when login or the
// daemon holds as many as allowed. release must be called once the stream
// ends.
func (h *hub) admit(login string) (release func(), ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.streams >= h.maxTotal || h.logins[login] >= h.maxLogin {
		return nil, false
	}
	h.streams++
	h.logins[login]++
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.streams--
			if h.logins[login]--; h.logins[login] <= 0 {
				delete(h.logins, login)
			}
		})
	}, true
}

// notify marks every view changed; it never blocks.
func (h *hub) notify() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, v := range h.views {
		select {
		case v.wake <- struct{}{}:
		default:
		}
	}
}

// join subscribes to view key, starting its renderer with render if no
// stream shows it yet.
func (h *hub) join(key string, render func() ([]byte, error)) chan frame {
	sub := make(chan frame, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	v := h.views[key]
	if v == nil {
		v = &liveView{render: render, wake: make(chan struct{}, 1), subs: map[chan frame]struct{}{}}
		v.wake <- struct{}{}
		h.views[key] = v
		go h.run(key, v)
	}
	v.subs[sub] = struct{}{}
	if v.last != nil {
		sub <- *v.last
	}
	return sub
}

// leave ends sub's subscription to view key; the last one out stops the
// view's renderer.
func (h *hub) leave(key string, sub chan frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := h.views[key]
	if v == nil {
		return
	}
	delete(v.subs, sub)
	if len(v.subs) == 0 {
		delete(h.views, key)
		close(v.wake)
	}
}

// run renders view key whenever woken, at most once per minGap, and hands
// each changed frame to its streams, until its last stream leaves.
func (h *hub) run(key string, v *liveView) {
	for range v.wake {
		b, err := v.render()
		f := frame{html: b, gone: err != nil}
		h.mu.Lock()
		h.renders++
		if v.last == nil || f.gone != v.last.gone || !bytes.Equal(f.html, v.last.html) {
			v.last = &f
			for sub := range v.subs {
				// The latest frame replaces one not yet sent.
				select {
				case <-sub:
				default:
				}
				sub <- f
			}
		}
		h.mu.Unlock()
		if f.gone {
			return
		}
		time.Sleep(h.minGap)
	}
}

// heartbeat keeps idle event streams (and proxies) alive.
const heartbeat = 15 * time.Second

// stream writes view key as SSE messages, now and whenever it changes,
// until the client goes, the view is gone, or done closes.
func (h *hub) stream(bw *bufio.Writer, done <-chan struct{}, key string, render func() ([]byte, error)) {
	sub := h.join(key, render)
	defer h.leave(key, sub)
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			bw.WriteString(": ping\n\n")
			if bw.Flush() != nil {
				return
			}
		case f := <-sub:
			if f.gone {
				// Tell the page to stop listening.
				bw.WriteString("event: gone\ndata: \n\n")
				bw.Flush()
				return
			}
			bw.WriteString("event: html\n")
			for _, line := range bytes.Split(f.html, []byte("\n")) {
				bw.WriteString("data: ")
				bw.Write(line)
				bw.WriteString("\n")
			}
			bw.WriteString("\n")
			if bw.Flush() != nil {
				return
			}
		}
	}
}

// stats reports the open streams, the views they show and how many times
// views were rendered.
func (h *hub) stats() (streams, views int, renders int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams, len(h.views), h.renders
}
