package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// cannedAPI is a canned reply as the admin API shows it.
type cannedAPI struct {
	Owner    string `json:"owner"`
	Shortcut string `json:"shortcut"`
	Text     string `json:"text"`
}

type cannedPage struct {
	Owner     string
	Shared    []cannedAPI
	Personal  []cannedAPI
	Variables []string
	Form      cannedAPI
	Errors    map[string]string
	Error     string
}

// cannedList shows the shared replies and, with ?owner=, an extension's.
func (w *Web) cannedList(c *fiber.Ctx) error {
	p := &cannedPage{Owner: c.Query("owner")}
	p.Form.Owner = p.Owner
	return w.cannedRender(c, fiber.StatusOK, p)
}

func (w *Web) cannedRender(c *fiber.Ctx, status int, p *cannedPage) error {
	var out struct {
		Shared, Personal []cannedAPI
		Variables        []string
	}
	path := "/api/v1/canned-replies"
	if p.Owner != "" {
		path += "?owner=" + url.QueryEscape(p.Owner)
	}
	if e := w.call("GET", path, nil, &out); e != nil {
		p.Error = e.Message
	}
	p.Shared, p.Personal, p.Variables = out.Shared, out.Personal, out.Variables
	return w.render(c, status, "canned", &view{Title: "Canned replies", Nav: "canned", Data: p})
}

// cannedSave creates or replaces a reply.
func (w *Web) cannedSave(c *fiber.Ctx) error {
	f := cannedAPI{Owner: strings.TrimSpace(c.FormValue("owner")), Shortcut: strings.ToLower(strings.TrimSpace(c.FormValue("shortcut"))), Text: c.FormValue("text")}
	p := &cannedPage{Owner: f.Owner, Form: f}
	path := "/api/v1/canned-replies/" + url.PathEscape(f.Shortcut)
	if f.Owner != "" {
		path += "?owner=" + url.QueryEscape(f.Owner)
	}
	if f.Shortcut == "" {
		p.Errors = map[string]string{"shortcut": "Give the reply a shortcut, such as hours."}
		return w.cannedRender(c, fiber.StatusUnprocessableEntity, p)
	}
	if e := w.call("PUT", path, map[string]string{"text": f.Text}, nil); e != nil {
		p.Errors, p.Error = fieldErrors(e)
		return w.cannedRender(c, e.Status, p)
	}
	return w.redirectFlash(c, "/admin/canned?owner="+url.QueryEscape(f.Owner), "Saved /r "+f.Shortcut+".")
}

// cannedDelete removes a reply.
func (w *Web) cannedDelete(c *fiber.Ctx) error {
	owner, shortcut := c.FormValue("owner"), c.FormValue("shortcut")
	back := "/admin/canned?owner=" + url.QueryEscape(owner)
	if e := w.call("DELETE", "/api/v1/canned-replies/"+url.PathEscape(shortcut)+"?owner="+url.QueryEscape(owner), nil, nil); e != nil {
		return w.redirectFlash(c, back, "Not deleted: "+e.Message)
	}
	return w.redirectFlash(c, back, "Deleted "+shortcut+".")
}
