package web

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// presenceGrace is how long an agent stays present after signing in, a
// page load or the last console page closing: long enough to move from
// one page to the next, or to reload, without being counted away.
const presenceGrace = 45 * time.Second

// presence tracks which extensions have the agent console open and tells
// report when that changes. An extension is present while one of its
// console pages holds an event stream open, and for presenceGrace after a
// sign-in, a page load or its last stream closing.
type presence struct {
	report func(ext string, online bool)
	grace  time.Duration

	mu      sync.Mutex
	streams map[string]int
	until   map[string]time.Time
	timers  map[string]*time.Timer
	on      map[string]bool
}

// newPresence returns a tracker; report may be nil.
func newPresence(report func(ext string, online bool), grace time.Duration) *presence {
	if report == nil {
		report = func(string, bool) {}
	}
	return &presence{report: report, grace: grace, streams: map[string]int{}, until: map[string]time.Time{},
		timers: map[string]*time.Timer{}, on: map[string]bool{}}
}

// seen marks ext present for the grace period (a sign-in or page load).
func (p *presence) seen(ext string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.until[ext] = time.Now().Add(p.grace)
	p.update(ext)
}

// open counts a console event stream of ext.
func (p *presence) open(ext string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.streams[ext]++
	p.update(ext)
}

// close uncounts a stream opened with open.
func (p *presence) close(ext string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.streams[ext]--; p.streams[ext] <= 0 {
		delete(p.streams, ext)
	}
	p.until[ext] = time.Now().Add(p.grace)
	p.update(ext)
}

// signedOut drops ext's grace period; pages still open keep it present.
func (p *presence) signedOut(ext string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.until, ext)
	p.update(ext)
}

// update reports ext's presence if it changed and schedules the end of
// its grace period. p.mu must be held; reports are made under it so they
// arrive in order.
func (p *presence) update(ext string) {
	now := time.Now()
	until := p.until[ext]
	on := p.streams[ext] > 0 || now.Before(until)
	if t := p.timers[ext]; t != nil {
		t.Stop()
		delete(p.timers, ext)
	}
	if p.streams[ext] == 0 && now.Before(until) {
		p.timers[ext] = time.AfterFunc(until.Sub(now), func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.update(ext)
		})
	}
	if !now.Before(until) {
		delete(p.until, ext)
	}
	if on == p.on[ext] {
		return
	}
	if on {
		p.on[ext] = true
	} else {
		delete(p.on, ext)
	}
	p.report(ext, on)
}

// agentSeen counts every console page an agent loads as a sign of life.
func (w *Web) agentSeen(c *fiber.Ctx) error {
	if s := webSession(c); s != nil && s.Extension != "" && c.Path() != "/agent/events" && c.Path() != "/agent/logout" {
		w.presence.seen(s.Extension)
	}
	return c.Next()
}

// pbxStatus is the PBX's state; without Options.PBX none is configured.
func (w *Web) pbxStatus() PBXStatus {
	if w.opts.PBX == nil {
		return PBXStatus{}
	}
	return w.opts.PBX()
}
