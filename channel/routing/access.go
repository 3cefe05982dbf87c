package routing

import (
	"errors"
	"fmt"
	"slices"

	"github.com/wachan/wachan/store"
)

// Errors of MayAnswer.
var (
	ErrNotOffered = errors.New("this conversation is not offered to your extension")
	ErrTakeFirst  = errors.New("this conversation is waiting for an agent; take it first")
	ErrClosed     = errors.New("this conversation is closed")
)

// verdict is what an extension may do in a session with its customer.
type verdict int

const (
	answer   verdict = iota // it handles the session, or its queue shares sessions
	take                    // waiting: the extension may take it by answering
	takeOnly                // waiting, and its queue wants /take first
	others                  // another agent handles it
	outsider                // not a member of the session's queue
)

// answerRule is the rule for an extension answering open session s, the
// same from a phone (sendAs), the console and the API.
func answerRule(tx *store.Tx, s *store.Session, ext string) verdict {
	if !mayAnswer(tx, s, ext) {
		if s.State == store.StateActive {
			return others
		}
		return outsider
	}
	switch {
	case s.State == store.StateWaiting && pickup(tx, s) == store.PickupTakeOnly:
		return takeOnly
	case s.State == store.StateWaiting:
		return take
	case s.Agent != ext && pickup(tx, s) != store.PickupShared:
		return others
	}
	return answer
}

// offeredTo reports whether waiting session s is offered to ext: it was
// alerted, is a member of the session's queue, or is the channel's
// extension.
func offeredTo(tx *store.Tx, s *store.Session, ext string) bool {
	if slices.Contains(s.Alerted, ext) {
		return true
	}
	if s.Queue != "" {
		q, err := tx.Queue(s.Queue)
		return err == nil && slices.Contains(q.Members, ext)
	}
	ch, err := tx.Channel(s.ChannelID)
	return err == nil && ch.Destination.Type == "extension" && ch.Destination.ID == ext
}

// Visible reports whether extension ext may read session s (in the web
// console): a session it handles or handled, a waiting one offered to it,
// or an active one of a queue whose members share sessions.
func Visible(tx *store.Tx, s *store.Session, ext string) bool {
	switch {
	case ext == "":
		return false
	case s.Agent == ext:
		return true
	case !s.Open():
		return false
	case s.State == store.StateWaiting:
		return offeredTo(tx, s, ext)
	}
	return pickup(tx, s) == store.PickupShared && offeredTo(tx, s, ext)
}

// MayAnswer returns nil if extension ext may send to the customer of open
// session s now without taking it first (a file, a template), by the rule
// replies from its phone follow; otherwise an error wrapping ErrNotOffered,
// ErrTakeFirst or ErrClosed.
func MayAnswer(tx *store.Tx, s *store.Session, ext string) error {
	switch {
	case !Visible(tx, s, ext):
		return ErrNotOffered
	case !s.Open():
		return ErrClosed
	}
	switch answerRule(tx, s, ext) {
	case take, takeOnly:
		return ErrTakeFirst
	case outsider:
		return fmt.Errorf("conversation #%d belongs to queue %s: %w", s.ID, s.Queue, ErrNotOffered)
	case others:
		return fmt.Errorf("conversation #%d is handled by %s: %w", s.ID, s.Agent, ErrNotOffered)
	}
	return nil
}
