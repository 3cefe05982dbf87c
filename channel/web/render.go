package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

//go:embed templates/*.html static/*
var files embed.FS

// assets are the static files, served under checksum URLs.
type assets struct {
	data map[string][]byte
	sums map[string]string
}

func loadAssets() (*assets, error) {
	a := &assets{data: map[string][]byte{}, sums: map[string]string{}}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return nil, fmt.Errorf("reading static files: %w", err)
	}
	for _, e := range entries {
		b, err := files.ReadFile("static/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading static files: %w", err)
		}
		sum := sha256.Sum256(b)
		a.data[e.Name()], a.sums[e.Name()] = b, hex.EncodeToString(sum[:6])
	}
	return a, nil
}

// url returns the checksum URL of a static file.
func (a *assets) url(name string) string { return "/static/" + a.sums[name] + "/" + name }

func (w *Web) static(c *fiber.Ctx) error {
	name := c.Params("name")
	b, ok := w.assets.data[name]
	if !ok || w.assets.sums[name] != c.Params("sum") {
		return c.Status(fiber.StatusNotFound).SendString("not found")
	}
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(b)
}

// pages are the parsed templates, one set per page.
type pages struct {
	sets map[string]*template.Template
}

// view is what every page template gets.
type view struct {
	Title string
	// Role is admin or agent: it picks the navigation.
	Role string
	// Nav is the current navigation entry.
	Nav  string
	User string
	CSRF string
	// Flash is a one-line confirmation shown on top.
	Flash string
	// Demo labels the page as a demo.
	Demo bool
	// SignedIn shows the navigation and the Sign out button.
	SignedIn bool
	// PBX is the phone system's state, explained on signed-in pages.
	PBX  PBXStatus
	Data any
}

// parsePages parses the templates; times are shown in loc, the PBX's
// time zone.
func parsePages(a *assets, loc *time.Location) (*pages, error) {
	funcs := template.FuncMap{
		"asset": a.url,
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(loc).Format("2006-01-02 15:04:05 MST")
		},
		"short": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("Jan 2 15:04")
		},
		"bytes":    humanBytes,
		"duration": humanDuration,
		"strategy": strategyWords,
		"pickup":   pickupWords,
		"step":     stepWords,
		"join":     strings.Join,
		"pct": func(n, total int64) int64 {
			if total <= 0 {
				return 0
			}
			return n * 100 / total
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("parsing layout: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("listing templates: %w", err)
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(files, n)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", n, err)
		}
		p.sets[base] = t
	}
	return p, nil
}

// render writes page with v inside the layout.
func (w *Web) render(c *fiber.Ctx, status int, page string, v *view) error {
	t, ok := w.pages.sets[page]
	if !ok {
		return fmt.Errorf("rendering: no page %q", page)
	}
	v.Demo = w.opts.Demo
	if s := webSession(c); s != nil {
		v.SignedIn = true
		if v.Flash == "" {
			v.Flash = w.takeNotice(s, "")
		}
		v.PBX = w.pbxStatus()
		v.CSRF = s.CSRF
		v.User = s.User
		if v.User == "" {
			v.User = "admin token"
		}
		if v.Role == "" {
			v.Role = s.Role
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		w.log.Error("rendering page", slog.String("page", page), slog.Any("error", err))
		c.Type("html", "utf-8")
		return c.Status(fiber.StatusInternalServerError).SendString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error · wachan</title></head><body><p>Internal error rendering the page; see the daemon's log.</p></body></html>`)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.Status(status).Send(buf.Bytes())
}

// fragment renders one named template of page (for live updates).
func (w *Web) fragment(page, name string, data any) ([]byte, error) {
	t, ok := w.pages.sets[page]
	if !ok {
		return nil, fmt.Errorf("rendering: no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("rendering %s/%s: %w", page, name, err)
	}
	return buf.Bytes(), nil
}

// fail renders an error page.
func (w *Web) fail(c *fiber.Ctx, status int, msg string) error {
	role := roleAdmin
	if strings.HasPrefix(c.Path(), "/agent") {
		role = roleAgent
	}
	return w.render(c, status, "error", &view{Title: "Error", Role: role, Data: msg})
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
