// Package receipts marks customers' messages read on WhatsApp (their blue
// ticks) once an agent has seen them: when the conversation is open in the
// agent console, or when a reply of the agent's has gone out (from the
// console or a phone). Marking a message read marks the earlier ones of
// the chat read too, so only a session's newest customer message is
// marked, once.
package receipts

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Marker marks an inbound message read on WhatsApp; *cloudapi.Client is
// one.
type Marker interface {
	MarkRead(ctx context.Context, creds cloudapi.Creds, wamid string, typing bool) error
}

// callTimeout bounds one mark-as-read call.
const callTimeout = 30 * time.Second

// Reader marks sessions' customer messages read. Seen may be called from
// any goroutine; Run does the work, one session at a time.
type Reader struct {
	st    *store.Store
	graph Marker
	log   *slog.Logger
	now   func() time.Time
	wake  chan struct{}

	mu      sync.Mutex
	pending map[uint64]bool // sessions seen since Run last looked
}

// New returns a Reader; now nil means time.Now.
func New(st *store.Store, graph Marker, log *slog.Logger, now func() time.Time) *Reader {
	if now == nil {
		now = time.Now
	}
	return &Reader{st: st, graph: graph, log: log, now: now, wake: make(chan struct{}, 1), pending: map[uint64]bool{}}
}

// Seen records that an agent has seen session id; it never blocks.
func (r *Reader) Seen(id uint64) {
	r.mu.Lock()
	r.pending[id] = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Finished is an outbox hook: a reply that went out (from an agent or an
// integration, not a campaign) means its session's messages were seen.
func (r *Reader) Finished(tx *store.Tx, _ *store.Channel, m *store.Message) error {
	if m.Agent != "" && m.SessionID != 0 && m.CampaignID == 0 && m.Status != "failed" {
		id := m.SessionID
		tx.OnCommit(func() { r.Seen(id) })
	}
	return nil
}

// Run marks seen sessions read until ctx ends.
func (r *Reader) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		r.mu.Lock()
		ids := r.pending
		r.pending = map[uint64]bool{}
		r.mu.Unlock()
		for id := range ids {
			if ctx.Err() != nil {
				return
			}
			if err := r.mark(ctx, id); err != nil {
				r.log.Warn("marking the customer's messages read failed", slog.Uint64("session", id), slog.Any("error", err))
			}
		}
	}
}

// mark marks session id's newest customer message read, unless it is
// already.
func (r *Reader) mark(ctx context.Context, id uint64) error {
	var (
		msg   *store.Message
		creds cloudapi.Creds
	)
	err := r.st.View(func(tx *store.Tx) error {
		// The newest customer message is among the last few: a reply is
		// rarely more than a handful of messages.
		msgs, err := tx.LastSessionMessages(id, 32)
		if err != nil {
			return err
		}
		for i := len(msgs) - 1; i >= 0 && msg == nil; i-- {
			if m := msgs[i]; m.Direction == store.Inbound && m.WAMID != "" {
				msg = m
			}
		}
		if msg == nil || !msg.ReadAt.IsZero() {
			msg = nil
			return nil
		}
		ch, err := tx.Channel(msg.ChannelID)
		if err != nil {
			return err
		}
		creds = cloudapi.Creds{PhoneNumberID: ch.PhoneNumberID, WABAID: ch.WABAID, Token: ch.AccessToken}
		return nil
	})
	if err != nil || msg == nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := r.graph.MarkRead(cctx, creds, msg.WAMID, false); err != nil {
		return fmt.Errorf("marking message %d read: %w", msg.ID, err)
	}
	return r.st.Update(func(tx *store.Tx) error {
		m, err := tx.Message(msg.ID)
		if err != nil {
			return err
		}
		m.ReadAt = r.now().UTC()
		return tx.PutMessage(m)
	})
}
