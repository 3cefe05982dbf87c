package web

import (
	"slices"
	"strings"
	"time"

	"github.com/wachan/wachan/store"
)

// timelineItem is a message or a routing step of a session.
type timelineItem struct {
	Msg  *msgView
	Step *store.SessionEvent
}

func (t timelineItem) at() time.Time {
	if t.Step != nil {
		return t.Step.At
	}
	return t.Msg.Timestamp
}

// timeline merges a session's messages and routing steps in time order
// (a step before a message of the same instant).
func timeline(ms []msgView, steps []store.SessionEvent) []timelineItem {
	out := make([]timelineItem, 0, len(ms)+len(steps))
	for i := range steps {
		out = append(out, timelineItem{Step: &steps[i]})
	}
	for i := range ms {
		out = append(out, timelineItem{Msg: &ms[i]})
	}
	slices.SortStableFunc(out, func(a, b timelineItem) int { return a.at().Compare(b.at()) })
	return out
}

// stepWords says a routing step in a sentence.
func stepWords(e *store.SessionEvent) string {
	var s string
	switch e.Event {
	case "opened":
		s = "Opened"
	case "offered":
		s = "Offered"
	case "taken":
		s = "Taken"
	case "released":
		s = "Released to the queue"
	case "transferred":
		s = "Transferred"
	case "closed":
		// The reason is a sentence end: "was closed by 1001".
		if d := strings.TrimPrefix(e.Detail, "was "); strings.HasPrefix(d, "closed") {
			return "C" + d[1:] + "."
		}
		s = "Closed"
	default:
		s = e.Event
	}
	if e.Detail != "" {
		s += " " + e.Detail
	}
	if e.By != "" {
		s += " (by " + e.By + ")"
	}
	return s + "."
}
