package templates

import (
	"log/slog"
	"time"

	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/wa"
	"github.com/wachan/wachan/store"
)

// Hooks returns the ingest hooks that apply template status, quality and
// category webhooks to the stored templates, in the transaction that
// stores the webhook. An update is applied to every channel of the
// webhook's account. An update for a template not stored yet stores what
// the webhook says, marked Partial (Build refuses it), and asks the runner
// for a sync; so does a components update.
func (s *Service) Hooks() ingest.Hooks {
	return ingest.Hooks{Other: s.other}
}

func (s *Service) other(tx *store.Tx, ch *store.Channel, ev *wa.Event) error {
	switch ev.Kind {
	case wa.KindTemplateStatus, wa.KindTemplateQuality, wa.KindTemplateCategory, wa.KindTemplateComponents:
	default:
		return nil
	}
	u := ev.Template
	if u == nil || u.Name == "" || u.Language == "" {
		return nil
	}
	chs, err := s.channelsOf(tx, ch, ev.WABAID)
	if err != nil {
		return err
	}
	// UpdatedAt is when the update was applied, so a sync listing Meta at
	// the same time does not undo it.
	at := s.opts.Now()
	for _, c := range chs {
		if err := s.apply(tx, c, ev.Kind, u, at); err != nil {
			return err
		}
	}
	return nil
}

// channelsOf returns the channels of the account wabaID (ch's account when
// empty).
func (s *Service) channelsOf(tx *store.Tx, ch *store.Channel, wabaID string) ([]*store.Channel, error) {
	if wabaID == "" || wabaID == ch.WABAID {
		wabaID = ch.WABAID
	}
	all, err := tx.Channels()
	if err != nil {
		return nil, err
	}
	var out []*store.Channel
	for _, c := range all {
		if c.WABAID == wabaID {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		s.log.Warn("template update for an account no channel uses", slog.String("channel", ch.ID), slog.String("waba_id", wabaID))
	}
	return out, nil
}

// find returns the stored template of c matching u, by id or by name and
// language; nil when there is none.
func find(tx *store.Tx, c *store.Channel, u *wa.TemplateUpdate) (*store.Template, error) {
	all, err := tx.TemplateLanguages(c.ID, u.Name)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if u.ID != "" && t.ID == u.ID {
			return t, nil
		}
	}
	for _, t := range all {
		if t.Language == u.Language || normLanguage(t.Language) == normLanguage(u.Language) {
			return t, nil
		}
	}
	return nil, nil
}

// apply applies one template update to channel c.
func (s *Service) apply(tx *store.Tx, c *store.Channel, kind wa.Kind, u *wa.TemplateUpdate, at time.Time) error {
	t, err := find(tx, c, u)
	if err != nil {
		return err
	}
	if kind == wa.KindTemplateComponents {
		s.requestSync(c.ID)
		return nil
	}
	if t == nil {
		if kind == wa.KindTemplateStatus && u.Event == "DELETED" {
			return nil
		}
		t = &store.Template{ChannelID: c.ID, ID: u.ID, Name: u.Name, Language: normLanguage(u.Language), Partial: true}
		s.requestSync(c.ID)
	}
	switch kind {
	case wa.KindTemplateStatus:
		if u.Event == "DELETED" {
			s.log.Info("template deleted at Meta", slog.String("channel", c.ID), slog.String("template", t.Name), slog.String("language", t.Language))
			return tx.DeleteTemplate(c.ID, t.Name, t.Language)
		}
		t.Status, t.Reason = u.Event, u.Reason
		if t.Reason == "NONE" {
			t.Reason = ""
		}
		if u.Category != "" {
			t.Category = u.Category
		}
	case wa.KindTemplateQuality:
		t.Quality = u.NewQuality
	case wa.KindTemplateCategory:
		if u.NewCategory == "" {
			return nil
		}
		prev := u.PreviousCategory
		if prev == "" {
			prev = t.Category
		}
		t.PreviousCategory, t.Category = prev, u.NewCategory
	}
	if t.ID == "" {
		t.ID = u.ID
	}
	t.UpdatedAt = at
	s.log.Info("template updated by webhook", slog.String("channel", c.ID), slog.String("template", t.Name),
		slog.String("language", t.Language), slog.String("kind", string(kind)),
		slog.String("status", t.Status), slog.String("quality", t.Quality), slog.String("category", t.Category))
	return tx.PutTemplate(t)
}
