package daemon

import (
	"errors"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/media"
	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/channel/routing"
	"github.com/wachan/wachan/store"
)

// wireMedia creates the media store before routing, which links to it:
// inbound media is queued for fetching in the ingest transaction and
// fetched and swept in the background.
func (d *Daemon) wireMedia() error {
	svc, err := media.New(d.store, d.graph, d.log, media.Options{
		Dir:       filepath.Join(d.cfg.DataDir, "media"),
		PublicURL: d.cfg.PublicURL,
		MaxSize:   d.cfg.MediaMaxSize,
		Retention: d.cfg.MediaRetention,
		// Agents' /send links may reach intranet servers only if allowed.
		FetchPrivate: d.cfg.MediaFetchPrivate,
	})
	if err != nil {
		return err
	}
	d.media = svc
	d.mediaLink = svc.Link
	d.hooks = append(d.hooks, ingest.Hooks{Inbound: svc.Inbound})
	d.runners = append(d.runners, svc.Run)
	reg := d.metrics.Registry()
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wachan_media_files", Help: "Media files kept on disk."},
			func() float64 { n, _ := svc.Stats(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wachan_media_bytes", Help: "Bytes of media files kept on disk."},
			func() float64 { _, b := svc.Stats(); return float64(b) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wachan_media_fetch_pending", Help: "Inbound media files still to fetch."},
			func() float64 { return float64(svc.Pending()) }),
	)
	return nil
}

// wireMediaRoutes mounts the public media download route and the admin
// media routes.
func (d *Daemon) wireMediaRoutes() error {
	d.media.Register(d.app)
	d.v1.Get("/media/stats", api.AdminOnly, d.mediaStats)
	d.v1.Post("/sessions/:id/media", api.AdminOnly, d.sessionMedia)
	return nil
}

// mediaStats answers GET /api/v1/media/stats.
func (d *Daemon) mediaStats(c *fiber.Ctx) error {
	files, bytes := d.media.Stats()
	free, minFree := d.media.Free()
	return c.JSON(fiber.Map{"files": files, "bytes": bytes, "pending": d.media.Pending(),
		"free_bytes": free, "min_free_bytes": minFree,
		"max_size": d.media.MaxSize(), "retention": d.cfg.MediaRetention.String()})
}

// errSessionClosed is the answer for media sent to a closed session.
func errSessionClosed(id string) *api.Error {
	return &api.Error{Status: fiber.StatusConflict, Code: "session_closed", Message: "session " + id + " is already closed"}
}

// sessionMedia answers POST /api/v1/sessions/:id/media (multipart: file,
// optional caption, mode "link" or "id", as_document): it checks and
// stores the file and queues it to the session's customer.
func (d *Daemon) sessionMedia(c *fiber.Ctx) error {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return api.NotFound("session", c.Params("id"))
	}
	var (
		sess *store.Session
		cust *store.Customer
	)
	// An agent (the web console) sends only where its phone could.
	agent := api.PrincipalOf(c).Agent
	var refused error
	err = d.store.View(func(tx *store.Tx) (err error) {
		if sess, err = tx.Session(id); err != nil {
			return err
		}
		if agent != "" {
			refused = routing.MayAnswer(tx, sess, agent)
		}
		cust, err = tx.Customer(sess.ChannelID, sess.CustomerKey)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return api.NotFound("session", c.Params("id"))
	}
	if err != nil {
		return err
	}
	if refused != nil {
		return &api.Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: refused.Error()}
	}
	if !sess.Open() {
		return errSessionClosed(c.Params("id"))
	}
	if time.Since(cust.LastInAt) > api.Window {
		return api.ErrWindowClosed
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return api.Invalid("file", "is required (a multipart/form-data field named \"file\")")
	}
	f, err := fh.Open()
	if err != nil {
		return api.Invalid("file", "cannot be read")
	}
	defer f.Close()
	asDoc, _ := strconv.ParseBool(c.FormValue("as_document"))
	mode := c.FormValue("mode")
	if mode != "" && mode != media.ModeLink && mode != media.ModeID {
		return api.Invalid("mode", "must be %q or %q", media.ModeLink, media.ModeID)
	}
	out, err := d.media.Attach(c.UserContext(), sess.ChannelID, media.Attachment{
		Reader: f, Filename: fh.Filename, Caption: c.FormValue("caption"), Mode: mode, AsDocument: asDoc,
	})
	var refusal *media.Refusal
	if errors.As(err, &refusal) {
		return api.Invalid("file", "%s", refusal.Reason)
	}
	if err != nil {
		return err
	}
	now := time.Now()
	var m *store.Message
	err = d.store.Update(func(tx *store.Tx) error {
		s, err := tx.Session(id)
		if err != nil {
			return err
		}
		if !s.Open() {
			return errSessionClosed(c.Params("id"))
		}
		by := "api"
		if agent != "" {
			if err := routing.MayAnswer(tx, s, agent); err != nil {
				return &api.Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: err.Error()}
			}
			by = agent
		}
		if m, err = outbox.Enqueue(tx, out.Request(cust, s.ID, by), now); err != nil {
			return err
		}
		if err := tx.IndexMessage(m); err != nil {
			return err
		}
		s.LastMessageAt, s.UpdatedAt = now, now
		return tx.PutSession(s)
	})
	if err != nil {
		return err
	}
	d.outbox.Wake()
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{
		"id": m.ID, "channel_id": m.ChannelID, "session_id": m.SessionID, "customer": m.CustomerKey,
		"type": m.Type, "text": m.Text, "status": m.Status, "timestamp": m.Timestamp,
		"media": fiber.Map{"file_id": m.Media.FileID, "mime_type": m.Media.MIME, "size": m.Media.Size,
			"filename": m.Media.Filename, "media_id": m.Media.MediaID, "link": d.media.Link(m)},
	})
}
