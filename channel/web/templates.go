package web

import (
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// templateAPI is a template as the admin API lists it.
type templateAPI struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	// ReasonExplained says what Meta's reason means.
	ReasonExplained string `json:"reason_explained"`
	Category        string `json:"category"`
	Quality         string `json:"quality"`
}

type templatesPage struct {
	Channels  []*store.Channel
	Channel   string
	Templates []templateAPI
	Sync      *struct {
		At       time.Time `json:"at"`
		Error    string    `json:"error"`
		SyncedAt time.Time `json:"synced_at"`
		Total    int       `json:"total"`
	}
	Error string
}

func (w *Web) templates(c *fiber.Ctx) error {
	p := &templatesPage{Channel: c.Query("channel")}
	if err := w.st.View(func(tx *store.Tx) (err error) { p.Channels, err = tx.Channels(); return }); err != nil {
		return err
	}
	if p.Channel == "" && len(p.Channels) > 0 {
		p.Channel = p.Channels[0].ID
	}
	if p.Channel != "" {
		var out struct {
			Templates []templateAPI
			Sync      *struct {
				At       time.Time `json:"at"`
				Error    string    `json:"error"`
				SyncedAt time.Time `json:"synced_at"`
				Total    int       `json:"total"`
			}
		}
		if e := w.call("GET", "/api/v1/channels/"+url.PathEscape(p.Channel)+"/templates", nil, &out); e != nil {
			p.Error = e.Message
		}
		p.Templates, p.Sync = out.Templates, out.Sync
	}
	return w.render(c, fiber.StatusOK, "templates", &view{Title: "Templates", Nav: "templates", Data: p})
}

// templatesSync is the Sync button: it lists the channel's templates from
// Meta now.
func (w *Web) templatesSync(c *fiber.Ctx) error {
	id := c.FormValue("channel")
	back := "/admin/templates?channel=" + url.QueryEscape(id)
	var res struct {
		Total, Added, Updated, Removed int
	}
	if e := w.call("POST", "/api/v1/channels/"+url.PathEscape(id)+"/templates/sync", nil, &res); e != nil {
		return w.redirectFlash(c, back, "Sync failed: "+e.Message)
	}
	msg := fmt.Sprintf("Synced: %d templates (%d added, %d updated, %d removed).", res.Total, res.Added, res.Updated, res.Removed)
	return w.redirectFlash(c, back, msg)
}
