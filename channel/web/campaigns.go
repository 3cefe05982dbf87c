package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// campaignAPI is a campaign as the admin API shows it.
type campaignAPI struct {
	ID         uint64                 `json:"id"`
	Name       string                 `json:"name"`
	Channel    string                 `json:"channel"`
	Template   store.CampaignTemplate `json:"template"`
	State      string                 `json:"state"`
	PausedBy   string                 `json:"paused_by"`
	Reason     string                 `json:"reason"`
	DailyLimit int                    `json:"daily_limit"`
	Counts     store.CampaignCounts   `json:"counts"`
	SendRate   float64                `json:"send_rate"`
	CreatedAt  time.Time              `json:"created_at"`
	StartedAt  time.Time              `json:"started_at"`
	FinishedAt time.Time              `json:"finished_at"`
}

// Done is how many recipients have an outcome.
func (c campaignAPI) Done() int {
	n := c.Counts
	return n.Sent + n.Failed + n.OptedOut + n.Skipped
}

func (w *Web) campaigns(c *fiber.Ctx) error {
	var out struct{ Campaigns []campaignAPI }
	if e := w.call("GET", "/api/v1/campaigns", nil, &out); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	names := map[string]string{}
	w.st.View(func(tx *store.Tx) error {
		chs, err := tx.Channels()
		for _, ch := range chs {
			names[ch.ID] = ch.Name
		}
		return err
	})
	return w.render(c, fiber.StatusOK, "campaigns", &view{Title: "Campaigns", Nav: "campaigns",
		Data: map[string]any{"Campaigns": out.Campaigns, "Names": names}})
}

// campaignAction pauses, resumes or cancels a campaign.
func (w *Web) campaignAction(c *fiber.Ctx) error {
	action := c.Params("action")
	switch action {
	case "start", "pause", "resume", "cancel":
	default:
		return w.fail(c, fiber.StatusNotFound, "No such action.")
	}
	msg := map[string]string{"start": "Campaign started.", "pause": "Campaign paused.", "resume": "Campaign resumed.", "cancel": "Campaign cancelled."}[action]
	if e := w.call("POST", "/api/v1/campaigns/"+url.PathEscape(c.Params("id"))+"/"+action, nil, nil); e != nil {
		msg = e.Message
	}
	back := "/admin/campaigns"
	if c.FormValue("back") == "detail" {
		back += "/" + url.PathEscape(c.Params("id"))
	}
	return w.redirectFlash(c, back, msg)
}
