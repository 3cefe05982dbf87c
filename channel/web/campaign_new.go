package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// campaignTemplate is an approved template offered for a campaign; it
// names its channel too.
type campaignTemplate struct {
	Value   string // channel|name|language
	Channel string
	Name    string
	Lang    string
	Body    string
}

type campaignForm struct {
	Templates []campaignTemplate
	Name      string
	Template  string
	Limit     string
	// Recipients is a pasted list, used when no file is uploaded.
	Recipients string
	Error      string
	Errors     map[string]string
}

// campaignTemplates lists every channel's approved templates.
func (w *Web) campaignTemplates() ([]campaignTemplate, error) {
	var out []campaignTemplate
	err := w.st.View(func(tx *store.Tx) error {
		chs, err := tx.Channels()
		if err != nil {
			return err
		}
		for _, ch := range chs {
			opts, err := approvedTemplates(tx, ch.ID)
			if err != nil {
				return err
			}
			for _, o := range opts {
				out = append(out, campaignTemplate{Value: ch.ID + "|" + o.Name + "|" + o.Lang, Channel: ch.Name, Name: o.Name, Lang: o.Lang, Body: o.Body})
			}
		}
		return nil
	})
	return out, err
}

func (w *Web) campaignNew(c *fiber.Ctx) error {
	return w.renderCampaignForm(c, fiber.StatusOK, &campaignForm{})
}

func (w *Web) renderCampaignForm(c *fiber.Ctx, status int, f *campaignForm) error {
	ts, err := w.campaignTemplates()
	if err != nil {
		return err
	}
	f.Templates = ts
	return w.render(c, status, "campaign_new", &view{Title: "New campaign", Nav: "campaigns", Data: f})
}

// campaignCreate creates a draft campaign from the form and its CSV file
// through the campaigns API, then shows its preview.
func (w *Web) campaignCreate(c *fiber.Ctx) error {
	f := &campaignForm{Name: strings.TrimSpace(c.FormValue("name")), Template: c.FormValue("template"),
		Limit: strings.TrimSpace(c.FormValue("daily_limit")), Errors: map[string]string{}}
	parts := strings.SplitN(f.Template, "|", 3)
	if len(parts) != 3 {
		f.Errors["template"] = "Template: choose one."
	}
	f.Recipients = c.FormValue("recipients")
	var (
		list  func() (io.ReadCloser, error)
		added int // lines put before a pasted list
	)
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		list = func() (io.ReadCloser, error) { return fh.Open() }
	} else if strings.TrimSpace(f.Recipients) != "" {
		text, n := recipientsCSV(f.Recipients)
		list, added = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }, n
	} else {
		f.Errors["file"] = "Recipients: choose a CSV file or paste the list."
	}
	if len(f.Errors) > 0 {
		return w.renderCampaignForm(c, fiber.StatusUnprocessableEntity, f)
	}
	fields := map[string]string{"name": f.Name, "channel": parts[0], "template": parts[1], "language": parts[2], "start": "false"}
	if f.Limit != "" {
		fields["daily_limit"] = f.Limit
	}
	body, ctype, err := csvBody(list, fields)
	if err != nil {
		f.Errors["file"] = "Recipients: the file could not be read."
		return w.renderCampaignForm(c, fiber.StatusUnprocessableEntity, f)
	}
	var out struct {
		ID      uint64
		Invalid []struct {
			Row   int
			Error string
		}
		Duplicates int
	}
	if e := w.call("POST", "/api/v1/campaigns", Raw{ContentType: ctype, Body: body}, &out); e != nil {
		f.Errors, f.Error = fieldErrors(e)
		if f.Errors == nil {
			f.Errors = map[string]string{}
		}
		return w.renderCampaignForm(c, fiber.StatusUnprocessableEntity, f)
	}
	msg := "Campaign created as a draft: check the preview, then start it."
	if n := len(out.Invalid); n > 0 {
		msg += " Rows left out: " + strconv.Itoa(n) + " (first: row " + strconv.Itoa(out.Invalid[0].Row-added) + ": " + out.Invalid[0].Error + ")."
	}
	if out.Duplicates > 0 {
		msg += " Duplicate numbers merged: " + strconv.Itoa(out.Duplicates) + "."
	}
	return w.redirectFlash(c, "/admin/campaigns/"+strconv.FormatUint(out.ID, 10), msg)
}

// csvBody re-encodes the recipient list (an uploaded CSV file or a pasted
// list) and the form fields as the campaigns API's multipart body.
func csvBody(open func() (io.ReadCloser, error), fields map[string]string) ([]byte, string, error) {
	f, err := open()
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			return nil, "", err
		}
	}
	part, err := mw.CreateFormFile("file", "recipients.csv")
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(part, f); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// previewRow is one recipient with the message it gets.
type previewRow struct {
	To, State, Text string
}

type campaignPage struct {
	C       campaignAPI
	Channel string
	Rows    []previewRow
	More    bool
}

// previewMax is how many recipients the preview renders.
const previewMax = 50

func (w *Web) campaignView(c *fiber.Ctx) error {
	var camp campaignAPI
	if e := w.call("GET", "/api/v1/campaigns/"+url.PathEscape(c.Params("id")), nil, &camp); e != nil {
		return w.fail(c, e.Status, e.Message)
	}
	p := &campaignPage{C: camp}
	err := w.st.View(func(tx *store.Tx) error {
		if ch, err := tx.Channel(camp.Channel); err == nil {
			p.Channel = ch.Name
		}
		body := ""
		if ts, err := tx.Templates(camp.Channel); err == nil {
			for _, t := range ts {
				if t.Name == camp.Template.Name && t.Language == camp.Template.Language {
					body = templateBody(t)
				}
			}
		}
		return tx.Recipients(camp.ID, 0, func(r *store.Recipient) bool {
			if len(p.Rows) == previewMax {
				p.More = true
				return false
			}
			p.Rows = append(p.Rows, previewRow{To: r.To, State: r.State, Text: fillTemplate(body, r.Params)})
			return true
		})
	})
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, "campaign", &view{Title: "Campaign " + camp.Name, Nav: "campaigns", Data: p})
}

func templateBody(t *store.Template) string {
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, "BODY") {
			return c.Text
		}
	}
	return ""
}

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_]+)\s*\}\}`)

// fillTemplate puts a recipient's values (a JSON array for {{1}}, {{2}}…
// or an object for named parameters) into a template body; a missing
// value stays visible as its placeholder.
func fillTemplate(body string, params json.RawMessage) string {
	if body == "" {
		return "(the template's text is not stored; sync the templates)"
	}
	var list []string
	var named map[string]string
	if json.Unmarshal(params, &list) != nil {
		json.Unmarshal(params, &named)
	}
	return placeholder.ReplaceAllStringFunc(body, func(m string) string {
		key := placeholder.FindStringSubmatch(m)[1]
		if n, err := strconv.Atoi(key); err == nil && n >= 1 && n <= len(list) {
			return list[n-1]
		}
		if v, ok := named[key]; ok {
			return v
		}
		return m
	})
}

// recipientsCSV gives a pasted list the header the campaigns API needs
// when it has none: "to" then 1, 2, … for the values after the number;
// added is the number of lines put in front.
func recipientsCSV(s string) (csv string, added int) {
	s = strings.TrimPrefix(s, "\ufeff")
	first, _, _ := strings.Cut(s, "\n")
	if f, _, _ := strings.Cut(first, ","); strings.EqualFold(strings.TrimSpace(f), "to") {
		return s, 0
	}
	header := []string{"to"}
	for i := range strings.Count(first, ",") {
		header = append(header, strconv.Itoa(i+1))
	}
	return strings.Join(header, ",") + "\n" + s, 1
}
