package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Register mounts the campaign and opt-out routes on v1 (the /api/v1
// group), all for the admin only.
func (s *Service) Register(v1 fiber.Router) {
	v1.Get("/campaigns", api.AdminOnly, s.handleList)
	v1.Post("/campaigns", api.AdminOnly, s.handleCreate)
	v1.Get("/campaigns/:id", api.AdminOnly, s.handleGet)
	v1.Get("/campaigns/:id/recipients", api.AdminOnly, s.handleRecipients)
	v1.Post("/campaigns/:id/pause", api.AdminOnly, s.action(s.Pause))
	v1.Post("/campaigns/:id/resume", api.AdminOnly, s.action(s.Resume))
	v1.Post("/campaigns/:id/start", api.AdminOnly, s.action(s.Resume))
	v1.Post("/campaigns/:id/cancel", api.AdminOnly, s.action(s.Cancel))
	s.registerOptOuts(v1)
}

// View is a campaign as the API shows it.
type View struct {
	ID         uint64                 `json:"id"`
	Name       string                 `json:"name"`
	Channel    string                 `json:"channel"`
	Template   store.CampaignTemplate `json:"template"`
	ReplyTo    *store.Destination     `json:"reply_to,omitempty"`
	State      string                 `json:"state"`
	PausedBy   string                 `json:"paused_by,omitempty"`
	Reason     string                 `json:"reason,omitempty"`
	DailyLimit int                    `json:"daily_limit"`
	Counts     store.CampaignCounts   `json:"counts"`
	// SendRate is the messages per second accepted by Meta over the last
	// minute.
	SendRate   float64   `json:"send_rate"`
	CreatedAt  time.Time `json:"created_at"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// ViewOf returns c as the API shows it.
func (s *Service) ViewOf(c *store.Campaign) View {
	v := View{ID: c.ID, Name: c.Name, Channel: c.ChannelID, Template: c.Template, ReplyTo: c.ReplyTo,
		State: c.State, PausedBy: c.PausedBy, Reason: c.Reason, DailyLimit: c.DailyLimit, Counts: c.Counts,
		CreatedAt: c.CreatedAt, StartedAt: c.StartedAt, FinishedAt: c.FinishedAt}
	if !c.StartedAt.IsZero() {
		v.SendRate = s.rates.perSecond(c.ID, s.opts.Now(), c.StartedAt)
	}
	return v
}

// created is the answer to POST /campaigns.
type created struct {
	View
	Invalid    []RowError `json:"invalid"`
	Duplicates int        `json:"duplicates"`
}

// createInput is the JSON body of POST /campaigns.
type createInput struct {
	Name       string                 `json:"name"`
	Channel    string                 `json:"channel"`
	Template   store.CampaignTemplate `json:"template"`
	ReplyTo    *store.Destination     `json:"reply_to"`
	DailyLimit *int                   `json:"daily_limit"`
	Start      bool                   `json:"start"`
	Recipients []RecipientInput       `json:"recipients"`
}

func (s *Service) handleCreate(c *fiber.Ctx) error {
	var (
		in   createInput
		list *List
	)
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		if err != nil {
			return api.Invalid("file", "a CSV file is required (form field \"file\")")
		}
		in, err = formInput(c)
		if err != nil {
			return err
		}
		f, err := fh.Open()
		if err != nil {
			return fmt.Errorf("opening upload: %w", err)
		}
		defer f.Close()
		if list, err = ParseCSV(f); err != nil {
			return api.Invalid("file", "%s", err.Error())
		}
	} else {
		if err := json.Unmarshal(c.Body(), &in); err != nil {
			return &api.Error{Status: api.ErrBadJSON.Status, Code: api.ErrBadJSON.Code, Message: "request body is not valid JSON: " + err.Error()}
		}
		list = ParseJSON(in.Recipients)
	}
	d, err := draftOf(&in)
	if err != nil {
		return err
	}
	camp, err := s.Create(d, list)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return api.Invalid("channel", "no channel %q", d.ChannelID)
	case errors.Is(err, ErrNoRecipients):
		msg := "no valid recipient"
		if len(list.Invalid) > 0 {
			msg = fmt.Sprintf("no valid recipient; row %d: %s", list.Invalid[0].Row, list.Invalid[0].Error)
		}
		return api.Invalid("recipients", "%s", msg)
	case err != nil:
		return err
	}
	if list.Invalid == nil {
		list.Invalid = []RowError{}
	}
	return c.Status(fiber.StatusCreated).JSON(created{View: s.ViewOf(camp), Invalid: list.Invalid, Duplicates: list.Duplicates})
}

// formInput reads the campaign fields of a multipart upload.
func formInput(c *fiber.Ctx) (createInput, error) {
	in := createInput{
		Name:     c.FormValue("name"),
		Channel:  c.FormValue("channel"),
		Template: store.CampaignTemplate{Name: first(c.FormValue("template"), c.FormValue("template_name")), Language: first(c.FormValue("language"), c.FormValue("template_language"))},
	}
	if t, id := c.FormValue("reply_to_type"), c.FormValue("reply_to_id"); t != "" || id != "" {
		in.ReplyTo = &store.Destination{Type: t, ID: id}
	}
	if v := c.FormValue("daily_limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return in, api.Invalid("daily_limit", "must be a whole number")
		}
		in.DailyLimit = &n
	}
	if v := c.FormValue("start"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return in, api.Invalid("start", "must be true or false")
		}
		in.Start = b
	}
	return in, nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// draftOf checks the campaign fields of a request.
func draftOf(in *createInput) (Draft, error) {
	d := Draft{Name: strings.TrimSpace(in.Name), ChannelID: in.Channel, Template: in.Template, ReplyTo: in.ReplyTo,
		DailyLimit: DefaultDailyLimit, Start: in.Start}
	switch {
	case !validName(d.Name):
		return d, api.Invalid("name", "required, at most 200 characters")
	case d.ChannelID == "":
		return d, api.Invalid("channel", "required")
	case d.Template.Name == "":
		return d, api.Invalid("template.name", "required")
	}
	if in.DailyLimit != nil {
		if *in.DailyLimit < 0 {
			return d, api.Invalid("daily_limit", "must be 0 (unlimited) or more")
		}
		d.DailyLimit = *in.DailyLimit
	}
	if r := d.ReplyTo; r != nil {
		if r.Type != "extension" && r.Type != "queue" {
			return d, api.Invalid("reply_to.type", "must be extension or queue")
		}
		if r.ID == "" {
			return d, api.Invalid("reply_to.id", "required")
		}
	}
	return d, nil
}

func (s *Service) handleList(c *fiber.Ctx) error {
	cs, err := s.List()
	if err != nil {
		return err
	}
	out := make([]View, 0, len(cs))
	for _, camp := range cs {
		out = append(out, s.ViewOf(camp))
	}
	return c.JSON(fiber.Map{"campaigns": out})
}

func campaignID(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, api.NotFound("campaign", c.Params("id"))
	}
	return id, nil
}

func (s *Service) handleGet(c *fiber.Ctx) error {
	id, err := campaignID(c)
	if err != nil {
		return err
	}
	camp, err := s.Get(id)
	if errors.Is(err, store.ErrNotFound) {
		return api.NotFound("campaign", c.Params("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(s.ViewOf(camp))
}

// action serves POST /campaigns/:id/<verb>.
func (s *Service) action(fn func(id uint64) (*store.Campaign, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := campaignID(c)
		if err != nil {
			return err
		}
		camp, err := fn(id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return api.NotFound("campaign", c.Params("id"))
		case errors.Is(err, ErrState):
			return &api.Error{Status: fiber.StatusConflict, Code: "campaign_state", Message: err.Error()}
		case err != nil:
			return err
		}
		return c.JSON(s.ViewOf(camp))
	}
}

// RecipientView is a recipient as the API shows it.
type RecipientView struct {
	Seq       uint64     `json:"seq"`
	To        string     `json:"to"`
	State     string     `json:"state"`
	MessageID uint64     `json:"message_id,omitempty"`
	WAMID     string     `json:"wamid,omitempty"`
	Error     *ErrorView `json:"error,omitempty"`
	UpdatedAt time.Time  `json:"updated_at,omitzero"`
}

// ErrorView is why a recipient failed, with a plain-English explanation.
type ErrorView struct {
	Code        int    `json:"code,omitempty"`
	Title       string `json:"title,omitempty"`
	Details     string `json:"details,omitempty"`
	Explanation string `json:"explanation,omitempty"`
}

var recipientStates = []string{store.RecipientPending, store.RecipientQueued, store.RecipientSent, store.RecipientDelivered,
	store.RecipientRead, store.RecipientFailed, store.RecipientOptedOut, store.RecipientSkipped}

func (s *Service) handleRecipients(c *fiber.Ctx) error {
	id, err := campaignID(c)
	if err != nil {
		return err
	}
	state := c.Query("state")
	if state != "" && !contains(recipientStates, state) {
		return api.Invalid("state", "must be one of %s", strings.Join(recipientStates, ", "))
	}
	after, err := strconv.ParseUint(first(c.Query("after"), "0"), 10, 64)
	if err != nil {
		return api.Invalid("after", "must be a recipient seq")
	}
	limit, err := strconv.Atoi(first(c.Query("limit"), "100"))
	if err != nil || limit < 1 || limit > 1000 {
		return api.Invalid("limit", "must be 1 to 1000")
	}
	rs, err := s.Recipients(id, state, after, limit)
	if errors.Is(err, store.ErrNotFound) {
		return api.NotFound("campaign", c.Params("id"))
	}
	if err != nil {
		return err
	}
	out := make([]RecipientView, 0, len(rs))
	for _, r := range rs {
		v := RecipientView{Seq: r.Seq, To: r.To, State: r.State, MessageID: r.MessageID, WAMID: r.WAMID, UpdatedAt: r.UpdatedAt}
		if e := r.Error; e != nil {
			v.Error = &ErrorView{Code: e.Code, Title: e.Title, Details: e.Details}
			if e.Code != 0 {
				v.Error.Explanation = cloudapi.Explain(e.Code, 0, e.Details)
			}
		}
		out = append(out, v)
	}
	resp := fiber.Map{"recipients": out}
	if len(rs) == limit {
		resp["next_after"] = rs[len(rs)-1].Seq
	}
	return c.JSON(resp)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
