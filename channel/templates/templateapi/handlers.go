// Package templateapi serves channels' message templates on the admin
// API: listing, one template with its parameters, and sync on demand.
package templateapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// Handlers serves the template routes.
type Handlers struct {
	store *store.Store
	svc   *templates.Service
}

// New returns the handlers of svc's templates kept in st; neither may be
// nil.
func New(st *store.Store, svc *templates.Service) *Handlers {
	return &Handlers{store: st, svc: svc}
}

// Mount adds the routes to r, the authenticated /api/v1 group:
// GET /channels/:id/templates, GET /channels/:id/templates/:name and
// POST /channels/:id/templates/sync, and the authoring routes (create,
// edit, delete, sample media upload) for the admin.
func (h *Handlers) Mount(r fiber.Router) {
	r.Post("/channels/:id/templates/sync", api.AdminOnly, h.sync)
	h.mountAuthoring(r)
	// API keys may read the templates of their channels (the handlers
	// check the scope).
	r.Get("/channels/:id/templates", h.list)
	r.Get("/channels/:id/templates/:name", h.show)
}

// APIError converts a *templates.Error in err's chain to the admin API's
// error and returns any other error unchanged.
func APIError(err error) error {
	var te *templates.Error
	if errors.As(err, &te) {
		return &api.Error{Status: te.HTTPStatus(), Code: te.Code, Message: te.Message, Field: te.Field}
	}
	return err
}

// View is a template as the API shows it.
type View struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
	// ReasonExplained says what a rejection or pause reason means.
	ReasonExplained  string          `json:"reason_explained,omitempty"`
	Category         string          `json:"category"`
	PreviousCategory string          `json:"previous_category,omitempty"`
	Quality          string          `json:"quality,omitempty"`
	Partial          bool            `json:"partial,omitempty"`
	Params           *templates.Spec `json:"params"`
	// Components are the definition as Meta lists it, with examples; only
	// in the single-template view.
	Components []store.TemplateComponent `json:"components,omitempty"`
	SyncedAt   *time.Time                `json:"synced_at,omitempty"`
	UpdatedAt  *time.Time                `json:"updated_at,omitempty"`
}

func viewOf(t *store.Template, full bool) View {
	v := View{
		ID: t.ID, Name: t.Name, Language: t.Language, Status: t.Status, Reason: t.Reason,
		Category: t.Category, PreviousCategory: t.PreviousCategory, Quality: t.Quality,
		Partial: t.Partial, Params: templates.SpecOf(t), ReasonExplained: templates.ExplainReason(t.Reason),
	}
	if full {
		v.Components = t.Components
	}
	if !t.SyncedAt.IsZero() {
		v.SyncedAt = &t.SyncedAt
	}
	if !t.UpdatedAt.IsZero() {
		v.UpdatedAt = &t.UpdatedAt
	}
	return v
}

// channel checks that the caller may use the channel id and that it
// exists.
func channel(c *fiber.Ctx, tx *store.Tx) (string, error) {
	if !api.PrincipalOf(c).CanUse(c.Params("id")) {
		return "", api.ErrForbidden
	}
	return api.ChannelParam(c, tx)
}

func (h *Handlers) list(c *fiber.Ctx) error {
	status := strings.ToUpper(c.Query("status"))
	out := fiber.Map{}
	err := h.store.View(func(tx *store.Tx) error {
		id, err := channel(c, tx)
		if err != nil {
			return err
		}
		ts, err := tx.Templates(id)
		if err != nil {
			return err
		}
		views := []View{}
		for _, t := range ts {
			if status == "" || t.Status == status {
				views = append(views, viewOf(t, false))
			}
		}
		out["templates"] = views
		rec, err := tx.TemplateSync(id)
		switch {
		case err == nil:
			out["sync"] = rec
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *Handlers) show(c *fiber.Ctx) error {
	var v View
	err := h.store.View(func(tx *store.Tx) error {
		id, err := channel(c, tx)
		if err != nil {
			return err
		}
		t, err := templates.Lookup(tx, id, c.Params("name"), c.Query("language"))
		if err != nil {
			return APIError(err)
		}
		v = viewOf(t, true)
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (h *Handlers) sync(c *fiber.Ctx) error {
	var id string
	if err := h.store.View(func(tx *store.Tx) error {
		var err error
		id, err = channel(c, tx)
		return err
	}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Minute)
	defer cancel()
	res, err := h.svc.Sync(ctx, id)
	if err != nil {
		return &api.Error{Status: fiber.StatusBadGateway, Code: "graph_error", Message: "listing the templates from Meta failed: " + cloudapi.Describe(err)}
	}
	return c.JSON(syncView{Result: res, Duplicates: len(res.Duplicates)})
}

// syncView is a sync result with its duplicates counted.
type syncView struct {
	*templates.Result
	Duplicates int `json:"duplicates"`
}
