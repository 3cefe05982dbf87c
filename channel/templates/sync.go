package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Lister lists a WhatsApp Business Account's templates, following every
// page; *cloudapi.Client satisfies it.
type Lister interface {
	ListTemplates(ctx context.Context, creds cloudapi.Creds) ([]cloudapi.Template, error)
}

// Options tune a Service; zero values take the defaults.
type Options struct {
	// Interval is how often every channel is synced again; 6 h by default.
	Interval time.Duration
	// RetryAfter is how long after a failed sync the next is tried; 15 min
	// by default.
	RetryAfter time.Duration
	// Check is how often the runner looks for channels due; 1 min by
	// default.
	Check time.Duration
	// Timeout bounds one sync's Graph API calls; 1 min by default.
	Timeout time.Duration
	// Now is the clock; time.Now by default.
	Now func() time.Time
}

// Service syncs, stores and serves channels' templates.
type Service struct {
	store *store.Store
	graph Lister
	log   *slog.Logger
	opts  Options
	// due receives channels the webhook hook wants synced soon.
	due chan string
	// mu guards locks, which serialize the syncs of each channel.
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// lock serializes the syncs of channelID and returns the unlock.
func (s *Service) lock(channelID string) func() {
	s.mu.Lock()
	l := s.locks[channelID]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[channelID] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// New returns a Service storing in st and listing through graph. st,
// graph and log must not be nil.
func New(st *store.Store, graph Lister, log *slog.Logger, opts Options) *Service {
	if opts.Interval <= 0 {
		opts.Interval = 6 * time.Hour
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 15 * time.Minute
	}
	if opts.Check <= 0 {
		opts.Check = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{store: st, graph: graph, log: log, opts: opts, due: make(chan string, 64), locks: map[string]*sync.Mutex{}}
}

// Duplicate is a name and language Meta listed more than once; the first
// listing is kept.
type Duplicate struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	IDs      []string `json:"ids"`
	// Explanation says why it happens and what to do.
	Explanation string `json:"explanation"`
}

// duplicateExplanation explains a name and language Meta lists twice.
const duplicateExplanation = "Meta lists this name in this language more than once, usually because the template was deleted and created again while the old one is still being deleted, or was copied into the account. wachan uses the first one listed; delete the other in WhatsApp Manager (or wait for Meta to finish deleting it) and sync again."

// Result is the outcome of one sync of a channel.
type Result struct {
	ChannelID  string      `json:"channel_id"`
	Total      int         `json:"total"`
	Added      int         `json:"added"`
	Updated    int         `json:"updated"`
	Removed    int         `json:"removed"`
	Unchanged  int         `json:"unchanged"`
	Duplicates []Duplicate `json:"duplicate_templates"`
	At         time.Time   `json:"synced_at"`
}

// Sync lists the templates of channelID's account from Meta, following
// every page, and replaces the channel's stored set with them in one
// transaction: templates gone at Meta disappear. A failure is recorded
// and the stored set is left alone.
func (s *Service) Sync(ctx context.Context, channelID string) (*Result, error) {
	defer s.lock(channelID)()
	var ch *store.Channel
	err := s.store.View(func(tx *store.Tx) error {
		var err error
		ch, err = tx.Channel(channelID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("syncing templates: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	started := s.opts.Now()
	listed, listErr := s.graph.ListTemplates(ctx, cloudapi.Creds{PhoneNumberID: ch.PhoneNumberID, WABAID: ch.WABAID, Token: ch.AccessToken})
	now := s.opts.Now()
	if listErr != nil {
		s.log.Warn("template sync failed", slog.String("channel", channelID), slog.Any("error", listErr))
		rerr := s.store.Update(func(tx *store.Tx) error {
			rec, err := tx.TemplateSync(channelID)
			if errors.Is(err, store.ErrNotFound) {
				rec, err = &store.TemplateSync{ChannelID: channelID}, nil
			}
			if err != nil {
				return err
			}
			rec.At, rec.Error = now, cloudapi.Describe(listErr)
			return tx.PutTemplateSync(rec)
		})
		if rerr != nil {
			s.log.Error("recording template sync failure", slog.String("channel", channelID), slog.Any("error", rerr))
		}
		return nil, fmt.Errorf("syncing templates of %s: %w", channelID, listErr)
	}
	res := &Result{ChannelID: channelID, At: now, Duplicates: []Duplicate{}}
	err = s.store.Update(func(tx *store.Tx) error {
		if _, err := tx.Channel(channelID); err != nil {
			return err // deleted while listing
		}
		return s.replace(tx, channelID, listed, started, now, res)
	})
	if err != nil {
		return nil, fmt.Errorf("syncing templates of %s: %w", channelID, err)
	}
	for _, d := range res.Duplicates {
		s.log.Warn("template listed twice by Meta; keeping the first",
			slog.String("channel", channelID), slog.String("template", d.Name),
			slog.String("language", d.Language), slog.Any("ids", d.IDs))
	}
	s.log.Info("templates synced", slog.String("channel", channelID), slog.Int("total", res.Total),
		slog.Int("added", res.Added), slog.Int("updated", res.Updated), slog.Int("removed", res.Removed))
	return res, nil
}

// replace stores listed as channelID's template set, counting in res. A
// stored template a webhook changed after started (while Meta was being
// listed) keeps the webhook's status, quality and category.
func (s *Service) replace(tx *store.Tx, channelID string, listed []cloudapi.Template, started, now time.Time, res *Result) error {
	old, err := tx.Templates(channelID)
	if err != nil {
		return err
	}
	byKey := make(map[[2]string]*store.Template, len(old))
	for _, t := range old {
		byKey[[2]string{t.Name, t.Language}] = t
	}
	kept := map[[2]string]int{} // key -> index in res.Duplicates, or -1
	for _, lt := range listed {
		t := fromGraph(channelID, lt)
		k := [2]string{t.Name, t.Language}
		if t.Name == "" || t.Language == "" {
			continue
		}
		if i, seen := kept[k]; seen {
			if i < 0 {
				first := ""
				if prev, err := tx.Template(channelID, t.Name, t.Language); err == nil {
					first = prev.ID
				}
				res.Duplicates = append(res.Duplicates, Duplicate{Name: t.Name, Language: t.Language, IDs: []string{first}, Explanation: duplicateExplanation})
				i = len(res.Duplicates) - 1
				kept[k] = i
			}
			res.Duplicates[i].IDs = append(res.Duplicates[i].IDs, t.ID)
			continue
		}
		kept[k] = -1
		t.SyncedAt, t.UpdatedAt = now, now
		prev := byKey[k]
		if prev != nil && !prev.Partial && prev.UpdatedAt.After(started) {
			t.Status, t.Reason, t.Quality = prev.Status, prev.Reason, prev.Quality
			t.Category, t.PreviousCategory = prev.Category, prev.PreviousCategory
		}
		switch {
		case prev == nil:
			res.Added++
		case same(prev, t):
			res.Unchanged++
			t.UpdatedAt = prev.UpdatedAt
			t.Reason = prev.Reason
		default:
			res.Updated++
			if prev.Status == t.Status {
				t.Reason = prev.Reason
			}
		}
		if err := tx.PutTemplate(t); err != nil {
			return err
		}
		res.Total++
	}
	for k := range byKey {
		if _, ok := kept[k]; ok {
			continue
		}
		if err := tx.DeleteTemplate(channelID, k[0], k[1]); err != nil {
			return err
		}
		res.Removed++
	}
	return tx.PutTemplateSync(&store.TemplateSync{
		ChannelID: channelID, At: now, SyncedAt: now, Total: res.Total,
		Added: res.Added, Updated: res.Updated, Removed: res.Removed, Duplicates: len(res.Duplicates),
	})
}

// same reports whether a and b hold the same definition and state.
func same(a, b *store.Template) bool {
	if a.Partial || a.ID != b.ID || a.Status != b.Status || a.Category != b.Category ||
		a.Quality != b.Quality || a.ParameterFormat != b.ParameterFormat {
		return false
	}
	x, err1 := json.Marshal(a.Components)
	y, err2 := json.Marshal(b.Components)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// fromGraph converts a listed template.
func fromGraph(channelID string, g cloudapi.Template) *store.Template {
	t := &store.Template{
		ChannelID:       channelID,
		ID:              g.ID,
		Name:            g.Name,
		Language:        g.Language,
		Status:          g.Status,
		Category:        g.Category,
		ParameterFormat: g.ParameterFormat,
	}
	if g.QualityScore != nil {
		t.Quality = g.QualityScore.Score
	}
	for _, c := range g.Components {
		sc := store.TemplateComponent{Type: c.Type, Format: c.Format, Text: c.Text, Example: c.Example}
		for _, b := range c.Buttons {
			sc.Buttons = append(sc.Buttons, store.TemplateButton{Type: b.Type, Text: b.Text, URL: b.URL, PhoneNumber: b.PhoneNumber, Example: b.Example})
		}
		t.Components = append(t.Components, sc)
	}
	return t
}

// Run syncs, until ctx ends, the channels never synced (at once), those
// last synced more than Interval ago, those whose last sync failed more
// than RetryAfter ago, and those the webhook hook asked for.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.opts.Check)
	defer tick.Stop()
	s.syncDue(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.syncDue(ctx)
		case id := <-s.due:
			if _, err := s.Sync(ctx, id); err != nil && ctx.Err() == nil {
				s.log.Warn("requested template sync failed", slog.String("channel", id), slog.Any("error", err))
			}
		}
	}
}

// syncDue syncs every channel that is due.
func (s *Service) syncDue(ctx context.Context) {
	var due []string
	now := s.opts.Now()
	err := s.store.View(func(tx *store.Tx) error {
		chs, err := tx.Channels()
		if err != nil {
			return err
		}
		for _, ch := range chs {
			rec, err := tx.TemplateSync(ch.ID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				due = append(due, ch.ID)
			case err != nil:
				return err
			case rec.Error != "" && now.Sub(rec.At) >= s.opts.RetryAfter,
				rec.Error == "" && now.Sub(rec.SyncedAt) >= s.opts.Interval:
				due = append(due, ch.ID)
			}
		}
		return nil
	})
	if err != nil {
		s.log.Error("finding channels due a template sync", slog.Any("error", err))
		return
	}
	for _, id := range due {
		if ctx.Err() != nil {
			return
		}
		if _, err := s.Sync(ctx, id); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduled template sync failed", slog.String("channel", id), slog.Any("error", err))
		}
	}
}

// requestSync asks the runner to sync channelID soon; it never blocks.
func (s *Service) requestSync(channelID string) {
	select {
	case s.due <- channelID:
	default:
	}
}
