package routing

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/store"
)

// An agent has two views of the same conversations: the phone registered
// on the PBX and the web console. The agent is present (offered waiting
// sessions) while either is; the PBX reports phones through OnEndpoint,
// the console reports itself through OnConsole.

// OnConsole takes whether ext has the web console open; wire it to the
// console's presence tracker. Once Run has returned it does nothing.
func (r *Router) OnConsole(ext string, online bool) {
	select {
	case r.ops <- func() { r.consoleEndpoint(ext, online) }:
	case <-r.stopped:
	}
}

// Present reports whether ext is present on its phone or its console.
func (r *Router) Present(ctx context.Context, ext string) (bool, error) {
	var on bool
	err := r.do(ctx, func() error { on = r.online[ext]; return nil })
	return on, err
}

// endpoint records phone presence; an extension coming online may be
// offered waiting sessions and gets its held messages.
func (r *Router) endpoint(st pbx.EndpointState) {
	r.known[st.Ext] = true
	was := r.phone[st.Ext]
	r.phone[st.Ext] = st.Online
	r.present(st.Ext, "phone")
	if st.Online && !was {
		r.del.online(st.Ext)
	}
}

// consoleEndpoint records console presence.
func (r *Router) consoleEndpoint(ext string, online bool) {
	if online {
		r.console[ext] = true
	} else {
		delete(r.console, ext)
	}
	r.present(ext, "console")
}

// present recomputes ext's presence from its two views.
func (r *Router) present(ext, view string) {
	on := r.phone[ext] || r.console[ext]
	if on == r.online[ext] {
		return
	}
	r.online[ext] = on
	if on {
		r.log.Info("agent present", slog.String("ext", ext), slog.String("via", view))
	} else {
		r.log.Info("agent away", slog.String("ext", ext))
	}
}

// extensionExists reports whether ext is an agent: a PBX endpoint, or,
// without a PBX, an extension with a console sign-in.
func (r *Router) extensionExists(ext string) bool {
	if r.known[ext] || r.console[ext] {
		return true
	}
	if r.pbx == nil {
		var u *store.User
		err := r.store.View(func(tx *store.Tx) (err error) { u, err = tx.User(ext); return })
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			r.log.Warn("looking up a console user", slog.Any("error", err))
		}
		return err == nil && u.Role == store.RoleAgent
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := r.pbx.Endpoints(ctx)
	if err != nil {
		r.log.Warn("listing extensions", slog.Any("error", err))
		return false
	}
	for _, e := range list {
		r.known[e.Ext] = true
		if _, ok := r.phone[e.Ext]; !ok {
			r.phone[e.Ext] = e.Online
			r.present(e.Ext, "phone")
		}
	}
	return r.known[ext]
}

// AgentState is an extension as routing sees it.
type AgentState struct {
	Ext string `json:"ext"`
	// Missing reports that the PBX is connected and has no such
	// endpoint.
	Missing bool `json:"missing,omitempty"`
	// Phone and Console report where the agent is present.
	Phone   bool `json:"phone"`
	Console bool `json:"console"`
	// Login reports that the extension has a web console login.
	Login bool `json:"login"`
}

// AgentStates reports each of exts: whether the PBX knows it (when a PBX
// is connected) and where the agent is present.
func (r *Router) AgentStates(ctx context.Context, exts []string) ([]AgentState, error) {
	var endpoints map[string]bool
	if r.pbx != nil {
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		list, err := r.pbx.Endpoints(lctx)
		cancel()
		if err == nil {
			endpoints = map[string]bool{}
			for _, e := range list {
				endpoints[e.Ext] = true
			}
		}
	}
	out := make([]AgentState, len(exts))
	err := r.store.View(func(tx *store.Tx) error {
		for i, ext := range exts {
			out[i] = AgentState{Ext: ext, Missing: endpoints != nil && !endpoints[ext]}
			u, err := tx.User(ext)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			out[i].Login = err == nil && u.Role == store.RoleAgent
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = r.do(ctx, func() error {
		for i := range out {
			out[i].Phone, out[i].Console = r.phone[out[i].Ext], r.console[out[i].Ext]
		}
		return nil
	})
	return out, err
}
