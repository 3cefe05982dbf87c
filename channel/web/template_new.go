package web

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// templateForm is the new-template page: the form's values, the field
// errors the API named and Meta's category definitions.
type templateForm struct {
	Channels   []*store.Channel
	Channel    string
	Name       string
	Language   string
	Category   string
	Header     string // none, TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
	HeaderText string
	HeaderEx   string
	Body       string
	Examples   string // one sample per line: "value" or "name = value"
	Footer     string
	Buttons    string // one per line: TYPE | text | url or number | example
	Categories map[string]string
	Errors     map[string]string
	Error      string
}

func (w *Web) templateFormPage(c *fiber.Ctx, status int, f *templateForm) error {
	if err := w.st.View(func(tx *store.Tx) (err error) { f.Channels, err = tx.Channels(); return }); err != nil {
		return err
	}
	f.Categories = templates.Categories
	return w.render(c, status, "template_new", &view{Title: "New template", Nav: "templates", Data: f})
}

// templateNew shows the empty form.
func (w *Web) templateNew(c *fiber.Ctx) error {
	return w.templateFormPage(c, fiber.StatusOK, &templateForm{Channel: c.Query("channel"), Language: "en_US", Category: "UTILITY", Header: "none"})
}

// formField maps an API field (body.examples.first_name, buttons[2].url)
// to the form input it came from.
func formField(field string) string {
	switch {
	case strings.HasPrefix(field, "body.examples"):
		return "examples"
	case strings.HasPrefix(field, "buttons"):
		return "buttons"
	case field == "header.text":
		return "header_text"
	case field == "header.example":
		return "header_example"
	case strings.HasPrefix(field, "header"):
		return "header"
	case strings.HasPrefix(field, "body"):
		return "body"
	}
	return field
}

// draftOf builds the API's template definition from the form.
func (f *templateForm) draft() map[string]any {
	d := map[string]any{"name": f.Name, "language": f.Language, "category": f.Category,
		"body": map[string]any{"text": f.Body}, "footer": f.Footer}
	if f.Header != "" && f.Header != "none" {
		d["header"] = map[string]any{"format": f.Header, "text": f.HeaderText, "example": f.HeaderEx}
	}
	var named map[string]string
	var positional []string
	for line := range strings.SplitSeq(f.Examples, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && !strings.Contains(f.Body, "{{1}}") {
			if named == nil {
				named = map[string]string{}
			}
			named[strings.TrimSpace(k)] = strings.TrimSpace(v)
		} else {
			positional = append(positional, line)
		}
	}
	switch {
	case named != nil:
		d["body"].(map[string]any)["examples"] = named
	case positional != nil:
		d["body"].(map[string]any)["examples"] = positional
	}
	var buttons []map[string]string
	for line := range strings.SplitSeq(f.Buttons, "\n") {
		parts := strings.Split(line, "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if parts[0] == "" {
			continue
		}
		b := map[string]string{"type": strings.ToUpper(parts[0])}
		at := func(i int) string {
			if i < len(parts) {
				return parts[i]
			}
			return ""
		}
		switch b["type"] {
		case "URL":
			b["text"], b["url"], b["example"] = at(1), at(2), at(3)
		case "PHONE_NUMBER":
			b["text"], b["phone_number"] = at(1), at(2)
		case "COPY_CODE":
			b["example"] = at(1)
		default:
			b["text"] = at(1)
		}
		buttons = append(buttons, b)
	}
	if buttons != nil {
		d["buttons"] = buttons
	}
	return d
}

// templateCreate submits the form: the header's sample file first, then
// the template; errors come back next to the fields they name.
func (w *Web) templateCreate(c *fiber.Ctx) error {
	f := &templateForm{
		Channel: c.FormValue("channel"), Name: c.FormValue("name"), Language: c.FormValue("language"),
		Category: c.FormValue("category"), Header: c.FormValue("header"), HeaderText: c.FormValue("header_text"),
		HeaderEx: c.FormValue("header_example"), Body: c.FormValue("body"), Examples: c.FormValue("examples"),
		Footer: c.FormValue("footer"), Buttons: c.FormValue("buttons"),
	}
	d := f.draft()
	api := "/api/v1/channels/" + url.PathEscape(f.Channel) + "/templates"
	switch f.Header {
	case "IMAGE", "VIDEO", "DOCUMENT":
		fh, err := c.FormFile("header_file")
		if err != nil {
			f.Errors = map[string]string{"header": "Choose a sample file for the " + strings.ToLower(f.Header) + " header."}
			return w.templateFormPage(c, fiber.StatusUnprocessableEntity, f)
		}
		file, err := fh.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(file)
		file.Close()
		if err != nil {
			return err
		}
		var up struct{ Handle string }
		if e := w.call("POST", api+"/media?filename="+url.QueryEscape(fh.Filename), Raw{ContentType: fh.Header.Get("Content-Type"), Body: data}, &up); e != nil {
			f.Errors = map[string]string{"header": e.Message}
			return w.templateFormPage(c, e.Status, f)
		}
		d["header"] = map[string]any{"format": f.Header, "handle": up.Handle}
	}
	var created struct{ Name, Language, Status string }
	if e := w.call("POST", api, d, &created); e != nil {
		errs, msg := fieldErrors(e)
		f.Error = msg
		for k, v := range errs {
			f.Errors = map[string]string{formField(k): v}
		}
		return w.templateFormPage(c, e.Status, f)
	}
	flash := "Template " + created.Name + " (" + created.Language + ") submitted to Meta: " + created.Status + "."
	return w.redirectFlash(c, "/admin/templates?channel="+url.QueryEscape(f.Channel), flash)
}

// templateDelete deletes a template in one language at Meta.
func (w *Web) templateDelete(c *fiber.Ctx) error {
	ch, name, lang := c.FormValue("channel"), c.FormValue("name"), c.FormValue("language")
	back := "/admin/templates?channel=" + url.QueryEscape(ch)
	var out struct{ Deleted []string }
	if e := w.call("DELETE", "/api/v1/channels/"+url.PathEscape(ch)+"/templates/"+url.PathEscape(name)+"?language="+url.QueryEscape(lang), nil, &out); e != nil {
		return w.redirectFlash(c, back, "Not deleted: "+e.Message)
	}
	b, _ := json.Marshal(out.Deleted)
	return w.redirectFlash(c, back, "Deleted "+name+" "+string(b)+".")
}
