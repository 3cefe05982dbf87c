package web

import (
	"strings"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// msgView is a message as the timelines show it.
type msgView struct {
	*store.Message
	In bool
	// Tick is the status mark of an outbound message; TickLabel says it
	// in words for screen readers.
	Tick, TickLabel string
	// Failure explains a failed message.
	Failure string
	// MediaURL links the message's file; Image shows it inline.
	MediaURL string
	Image    bool
	// Retry is set for a reply whose sends failed and will be retried.
	Retry *retryState
	// Now is when the view was made (for Retry's countdown, on the
	// outbox's clock).
	Now time.Time
}

var ticks = map[string][2]string{
	"queued":    {"🕓", "queued"},
	"accepted":  {"✓", "accepted by WhatsApp"},
	"sent":      {"✓", "sent"},
	"delivered": {"✓✓", "delivered"},
	"read":      {"✓✓", "read"},
	"played":    {"✓✓", "played"},
	"failed":    {"✗", "failed"},
}

func (w *Web) messageViews(ms []*store.Message) []msgView {
	out := make([]msgView, 0, len(ms))
	for _, m := range ms {
		v := msgView{Message: m, In: m.Direction == store.Inbound}
		if !v.In {
			t := ticks[m.Status]
			v.Tick, v.TickLabel = t[0], t[1]
			if v.TickLabel == "" {
				v.TickLabel = m.Status
			}
		}
		if m.Error != nil {
			v.Failure = failure(m.Error)
		}
		if m.Media != nil && w.opts.MediaLink != nil {
			v.MediaURL = w.sameOrigin(w.opts.MediaLink(m))
			v.Image = strings.HasPrefix(m.Media.MIME, "image/") && v.MediaURL != ""
		}
		out = append(out, v)
	}
	return out
}

// failure explains Meta's reason for a failed message.
func failure(e *store.MessageError) string {
	s := cloudapi.Explain(e.Code, 0, e.Details)
	if e.Title != "" && !strings.Contains(s, e.Title) {
		s = e.Title + ". " + s
	}
	return s
}
