package templates

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Author submits templates and their sample media to Meta;
// *cloudapi.Client satisfies it. A Service whose Lister is also an Author
// can create, edit and delete templates.
type Author interface {
	CreateTemplate(ctx context.Context, creds cloudapi.Creds, def *cloudapi.TemplateDefinition) (*cloudapi.CreatedTemplate, error)
	EditTemplate(ctx context.Context, creds cloudapi.Creds, id string, def *cloudapi.TemplateDefinition) error
	DeleteTemplate(ctx context.Context, creds cloudapi.Creds, name, id string) error
	UploadHandle(ctx context.Context, token, appID, fileName, mimeType string, data []byte) (string, error)
}

// errNoAuthor is returned when the Service's Graph client cannot submit
// templates.
var errNoAuthor = errors.New("this Graph client cannot submit templates")

func (s *Service) author() (Author, error) {
	a, ok := s.graph.(Author)
	if !ok {
		return nil, errNoAuthor
	}
	return a, nil
}

// channelCreds returns the channel and its credentials.
func (s *Service) channelCreds(channelID string) (*store.Channel, cloudapi.Creds, error) {
	var ch *store.Channel
	err := s.store.View(func(tx *store.Tx) (err error) { ch, err = tx.Channel(channelID); return })
	if err != nil {
		return nil, cloudapi.Creds{}, err
	}
	return ch, cloudapi.Creds{PhoneNumberID: ch.PhoneNumberID, WABAID: ch.WABAID, Token: ch.AccessToken}, nil
}

// prepare checks d and returns Meta's definition and the stored
// components.
func prepare(d *Draft) (*cloudapi.TemplateDefinition, []store.TemplateComponent, string, error) {
	d.normalize()
	ex, verr := d.check()
	if verr != nil {
		return nil, nil, "", verr
	}
	d.Language = normLanguage(d.Language)
	format := Positional
	if d.Category != "AUTHENTICATION" {
		format, _ = d.formatOf()
	}
	wire, stored := d.definition(format, ex)
	def := &cloudapi.TemplateDefinition{Name: d.Name, Language: d.Language, Category: d.Category, Components: wire}
	if d.Category != "AUTHENTICATION" {
		def.ParameterFormat = format
	}
	return def, stored, format, nil
}

// Create checks d, submits it to Meta for review and stores the template
// (PENDING) on every channel of channelID's account. Status webhooks then
// move it to APPROVED or REJECTED. Errors are *Error for a definition Meta
// would refuse, or that Meta refused, explained.
func (s *Service) Create(ctx context.Context, channelID string, d *Draft) (*store.Template, error) {
	a, err := s.author()
	if err != nil {
		return nil, fmt.Errorf("creating template: %w", err)
	}
	def, stored, format, err := prepare(d)
	if err != nil {
		return nil, err
	}
	ch, creds, err := s.channelCreds(channelID)
	if err != nil {
		return nil, fmt.Errorf("creating template: %w", err)
	}
	err = s.store.View(func(tx *store.Tx) error {
		prev, err := tx.Template(channelID, d.Name, d.Language)
		switch {
		case err == nil && !prev.Partial:
			return fail(CodeDuplicate, "name", "template %s already exists in %s (%s): edit it, or choose another name or language", d.Name, d.Language, prev.Status)
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	started := s.opts.Now()
	created, err := a.CreateTemplate(ctx, creds, def)
	if err != nil {
		return nil, fmt.Errorf("creating template %s: %w", d.Name, refusal(err))
	}
	t := &store.Template{ChannelID: channelID, ID: created.ID, Name: d.Name, Language: d.Language,
		Status: created.Status, Category: created.Category, ParameterFormat: format, Components: stored}
	if t.Status == "" {
		t.Status = "PENDING"
	}
	if t.Category == "" {
		t.Category = d.Category
	}
	if err := s.storeAuthored(ch, t, started); err != nil {
		return nil, fmt.Errorf("creating template %s: %w", d.Name, err)
	}
	s.log.Info("template submitted", slog.String("channel", channelID), slog.String("template", t.Name),
		slog.String("language", t.Language), slog.String("id", t.ID), slog.String("status", t.Status))
	return t, nil
}

// storeAuthored stores t on every channel of ch's account and updates t
// to what was stored. A status a webhook set after started (Meta can
// review faster than its answer arrives) is kept.
func (s *Service) storeAuthored(ch *store.Channel, t *store.Template, started time.Time) error {
	now := s.opts.Now()
	var stored store.Template
	err := s.store.Update(func(tx *store.Tx) error {
		chs, err := s.channelsOf(tx, ch, ch.WABAID)
		if err != nil {
			return err
		}
		for _, c := range chs {
			ct := *t
			ct.ChannelID, ct.UpdatedAt = c.ID, now
			prev, err := tx.Template(c.ID, t.Name, t.Language)
			switch {
			case err == nil && prev.ID == t.ID && prev.UpdatedAt.After(started):
				ct.Status, ct.Reason, ct.Quality = prev.Status, prev.Reason, prev.Quality
				if prev.Category != "" {
					ct.Category = prev.Category
				}
			case err != nil && !errors.Is(err, store.ErrNotFound):
				return err
			}
			if err := tx.PutTemplate(&ct); err != nil {
				return err
			}
			if c.ID == t.ChannelID {
				stored = ct
			}
		}
		return nil
	})
	if err == nil && stored.ChannelID != "" {
		*t = stored
	}
	return err
}

// editable reports why t cannot take the edit d, or nil.
func editable(t *store.Template, d *Draft) *Error {
	switch t.Status {
	case "APPROVED", "REJECTED", "PAUSED":
	default:
		return fail(CodeNotEditable, "status", "template %s (%s) is %s: only approved, rejected or paused templates can be edited", t.Name, t.Language, t.Status)
	}
	if t.ID == "" || t.Partial {
		return fail(CodeNotSynced, "name", "template %s (%s) is not fully known yet: sync the channel's templates first", t.Name, t.Language)
	}
	if d.Name != "" && d.Name != t.Name || d.Language != "" && normLanguage(d.Language) != normLanguage(t.Language) {
		return fail(CodeNotEditable, "name", "a template's name and language can't change: create a new template instead")
	}
	if d.Category != "" && d.Category != t.Category && t.Status == "APPROVED" {
		return fail(CodeNotEditable, "category", "the category of an approved template can't change (it is %s)", t.Category)
	}
	return nil
}

// Edit checks d as the new definition of the template name in language
// (empty: its only language) and submits it; Meta reviews it again, so
// it becomes PENDING. Name and language can't change; an approved
// template keeps its category and can be edited once a day (Meta
// enforces that).
func (s *Service) Edit(ctx context.Context, channelID, name, language string, d *Draft) (*store.Template, error) {
	a, err := s.author()
	if err != nil {
		return nil, fmt.Errorf("editing template: %w", err)
	}
	var cur *store.Template
	if err := s.store.View(func(tx *store.Tx) (err error) { cur, err = Lookup(tx, channelID, name, language); return }); err != nil {
		return nil, err
	}
	d.normalize()
	if e := editable(cur, d); e != nil {
		return nil, e
	}
	d.Name, d.Language = cur.Name, cur.Language
	if d.Category == "" {
		d.Category = cur.Category
	}
	def, stored, format, err := prepare(d)
	if err != nil {
		return nil, err
	}
	ch, creds, err := s.channelCreds(channelID)
	if err != nil {
		return nil, fmt.Errorf("editing template: %w", err)
	}
	started := s.opts.Now()
	if err := a.EditTemplate(ctx, creds, cur.ID, def); err != nil {
		return nil, fmt.Errorf("editing template %s: %w", name, refusal(err))
	}
	t := *cur
	t.Status, t.Reason, t.Category, t.ParameterFormat, t.Components = "PENDING", "", d.Category, format, stored
	if err := s.storeAuthored(ch, &t, started); err != nil {
		return nil, fmt.Errorf("editing template %s: %w", name, err)
	}
	s.log.Info("template edit submitted", slog.String("channel", channelID), slog.String("template", t.Name), slog.String("language", t.Language))
	return &t, nil
}

// Delete deletes the template name at Meta and from every channel of
// channelID's account: in language only, or in every language when
// language is empty. Disabled templates can't be deleted. It returns the
// languages deleted.
func (s *Service) Delete(ctx context.Context, channelID, name, language string) ([]string, error) {
	a, err := s.author()
	if err != nil {
		return nil, fmt.Errorf("deleting template: %w", err)
	}
	var targets []*store.Template
	err = s.store.View(func(tx *store.Tx) error {
		if language != "" {
			t, err := Lookup(tx, channelID, name, language)
			targets = []*store.Template{t}
			return err
		}
		all, err := tx.TemplateLanguages(channelID, name)
		if err == nil && len(all) == 0 {
			return fail(CodeNotFound, "name", "channel %s has no template %q", channelID, name)
		}
		targets = all
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if t.Status == "DISABLED" {
			return nil, fail(CodeNotEditable, "status", "template %s (%s) is disabled, and Meta does not delete disabled templates", t.Name, t.Language)
		}
	}
	ch, creds, err := s.channelCreds(channelID)
	if err != nil {
		return nil, fmt.Errorf("deleting template: %w", err)
	}
	id := ""
	if language != "" {
		id = targets[0].ID
	}
	if err := a.DeleteTemplate(ctx, creds, name, id); err != nil {
		return nil, fmt.Errorf("deleting template %s: %w", name, refusal(err))
	}
	langs := languagesOf(targets)
	err = s.store.Update(func(tx *store.Tx) error {
		chs, err := s.channelsOf(tx, ch, ch.WABAID)
		if err != nil {
			return err
		}
		for _, c := range chs {
			for _, l := range langs {
				if err := tx.DeleteTemplate(c.ID, name, l); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deleting template %s: %w", name, err)
	}
	s.log.Info("template deleted", slog.String("channel", channelID), slog.String("template", name), slog.Any("languages", langs))
	return langs, nil
}
