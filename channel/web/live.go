package web

import (
	"bufio"
	"bytes"
	"sync"
	"time"

	"github.com/wachan/wachan/store"
)

// hub serves the console's live views to its event streams. Each distinct
// view (an agent's inbox, a conversation as one agent sees it) is
// rendered once per change, however many streams show it; the views that
// changed are rendered together in one read transaction, at most once
// per minGap, so many views cost one pass over the store's open sessions.
// Streams are capped per user and in total.
type hub struct {
	st                 *store.Store
	maxLogin, maxTotal int
	minGap             time.Duration
	// wake starts a round of rendering; wakeups coalesce.
	wake chan struct{}

	mu      sync.Mutex
	views   map[string]*liveView
	logins  map[string]int
	streams int
	renders int64
	// running is set while the render loop runs (while any view is
	// shown).
	running bool
}

// liveView is one view and the streams showing it. Its fields are guarded
// by the hub's mutex, except render, set once.
type liveView struct {
	render func(tx *store.Tx) ([]byte, error)
	subs   map[chan frame]struct{}
	dirty  bool
	// last is the latest frame; nil before the first render.
	last *frame
}

// frame is what a stream sends: the view's HTML, or that it is gone.
type frame struct {
	html []byte
	gone bool
}

func newHub(st *store.Store, maxLogin, maxTotal int, minGap time.Duration) *hub {
	return &hub{st: st, maxLogin: maxLogin, maxTotal: maxTotal, minGap: minGap, wake: make(chan struct{}, 1),
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

func (h *hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// notify marks every view changed; it never blocks.
func (h *hub) notify() {
	h.mu.Lock()
	for _, v := range h.views {
		v.dirty = true
	}
	h.mu.Unlock()
	h.poke()
}

// join subscribes to view key, rendered by render.
func (h *hub) join(key string, render func(tx *store.Tx) ([]byte, error)) chan frame {
	sub := make(chan frame, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	v := h.views[key]
	if v == nil {
		v = &liveView{render: render, subs: map[chan frame]struct{}{}, dirty: true}
		h.views[key] = v
		if !h.running {
			h.running = true
			go h.loop()
		}
		h.poke()
	}
	v.subs[sub] = struct{}{}
	if v.last != nil {
		sub <- *v.last
	}
	return sub
}

// leave ends sub's subscription to view key.
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
		h.poke() // the loop stops when no view is left
	}
}

// loop renders the changed views whenever woken, at most once per minGap,
// until no view is shown.
func (h *hub) loop() {
	for range h.wake {
		h.mu.Lock()
		if len(h.views) == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		var due []*liveView
		for _, v := range h.views {
			if v.dirty {
				v.dirty = false
				due = append(due, v)
			}
		}
		h.mu.Unlock()
		if len(due) == 0 {
			continue
		}
		// A read transaction held long keeps the store from reusing
		// freed pages: views left over wait for the next round.
		done := 0
		err := h.st.View(func(tx *store.Tx) error {
			start := time.Now()
			for _, v := range due {
				if time.Since(start) > maxRenderTx {
					break
				}
				h.render(tx, v)
				done++
			}
			return nil
		})
		if err != nil || done < len(due) {
			h.mu.Lock()
			for _, v := range due[done:] {
				v.dirty = true
			}
			h.mu.Unlock()
			h.poke()
		}
		time.Sleep(h.minGap)
	}
}

// render renders v and hands the frame to its streams if it changed.
func (h *hub) render(tx *store.Tx, v *liveView) {
	b, err := v.render(tx)
	f := frame{html: b, gone: err != nil}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.renders++
	if v.last != nil && f.gone == v.last.gone && bytes.Equal(f.html, v.last.html) {
		return
	}
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

// stats reports the open streams, the views they show and how many times
// views were rendered.
func (h *hub) stats() (streams, views int, renders int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams, len(h.views), h.renders
}

// maxRenderTx is how long one read transaction renders views.
const maxRenderTx = 250 * time.Millisecond

// heartbeat keeps idle event streams (and proxies) alive.
const heartbeat = 15 * time.Second

// stream writes view key as SSE messages, now and whenever it changes,
// until the client goes, the view is gone, or done closes.
func (h *hub) stream(bw *bufio.Writer, done <-chan struct{}, key string, render func(tx *store.Tx) ([]byte, error)) {
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
