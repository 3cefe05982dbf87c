package daemon

import (
	"encoding/json"
	"fmt"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/routing"
	"github.com/wachan/wachan/channel/web"
	"github.com/wachan/wachan/store"
)

// wireWeb mounts the admin panel and the agent console.
//
// The panel changes nothing itself: it calls a private instance of the
// admin API in-process, authenticated with a random token that never
// leaves memory, so a form is validated by exactly the code that validates
// the same request over HTTP and its errors name the same fields.
func (d *Daemon) wireWeb() error {
	token := api.NewToken(32)
	internal := fiber.New(fiber.Config{
		Immutable:             true,
		BodyLimit:             max(ingest.MaxBody, int(d.cfg.MediaMaxSize)+1<<20),
		DisableStartupMessage: true,
		ErrorHandler:          api.ErrorHandler(d.log),
	})
	opts := api.Options{PublicURL: d.cfg.PublicURL, AdminTokenHash: api.HashToken(token), Health: d.webhookHealth, ActAs: true, Journaled: d.notifyProcessor, Location: d.loc}
	opts.Sessions, opts.Agents = d.router, d.router
	v1 := api.New(d.store, d.graph, d.outbox, d.log, opts).Register(internal)
	// The other parts' admin routes the panel uses, backed by the same
	// services.
	v1.Post("/sessions/:id/media", api.AdminOrAgent, d.sessionMedia)
	d.mountAdminParts(v1)
	api.Finish(v1)
	handler := internal.Handler()

	started := time.Now()
	wo := web.Options{
		Store:          d.store,
		API:            internalCaller(handler, token, ""),
		AgentAPI:       func(ext string) web.APICaller { return internalCaller(handler, token, ext) },
		Visible:        routing.Visible,
		AdminTokenHash: d.adminHash,
		HashToken:      api.HashToken,
		PublicURL:      d.cfg.PublicURL,
		Secure:         d.cfg.TLSCert != "" || strings.HasPrefix(d.cfg.PublicURL, "https://"),
		Now:            func() time.Time { return d.clock() },
		Location:       d.loc,
		Seen:           d.receipts.Seen,
		MediaLink:      d.mediaLink,
		Log:            d.log.With("part", "web"),
		Demo:           d.demo,
		System: func() web.SystemInfo {
			si := web.SystemInfo{
				Version: d.version, GoVersion: runtime.Version(), PBXConfigured: d.ari != nil, ARIURL: d.cfg.ARIURL,
				StorePath: d.store.Path(), StoreSize: d.store.Size(), DataDir: d.cfg.DataDir,
				MediaRetention: d.cfg.MediaRetention, MediaMaxSize: d.cfg.MediaMaxSize, PublicURL: d.cfg.PublicURL, Started: started,
			}
			if d.ari != nil {
				si.PBXConnected = d.ari.Connected()
			}
			if d.media != nil {
				si.MediaFiles, si.MediaBytes = d.media.Stats()
			}
			return si
		},
	}
	wo.Agent = d.router
	wo.Presence = d.router.OnConsole
	wo.PBX = func() web.PBXStatus {
		if d.ari == nil {
			return web.PBXStatus{}
		}
		return web.PBXStatus{Configured: true, Connected: d.ari.Connected()}
	}
	w, err := web.New(wo)
	if err != nil {
		return err
	}
	d.web = w
	d.changed = append(d.changed, w.Notify)
	d.hooks = append(d.hooks, ingest.Hooks{Committed: w.Notify})
	d.finished = append(d.finished, func(tx *store.Tx, _ *store.Channel, _ *store.Message) error {
		tx.OnCommit(w.Notify)
		return nil
	})
	w.Register(d.app)
	return nil
}

// internalCaller runs API requests through h in-process with the internal
// token: as the admin, or as the agent with extension agent when set.
func internalCaller(h fasthttp.RequestHandler, token, agent string) web.APICaller {
	return func(method, path string, body any) (int, []byte, error) {
		var req fasthttp.Request
		req.Header.SetMethod(method)
		req.SetRequestURI(path)
		req.Header.Set(fiber.HeaderAuthorization, "Bearer "+token)
		if agent != "" {
			req.Header.Set(api.HeaderActAs, agent)
		}
		if raw, ok := body.(web.Raw); ok {
			req.Header.SetContentType(raw.ContentType)
			req.SetBody(raw.Body)
		} else if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				return 0, nil, fmt.Errorf("encoding API request: %w", err)
			}
			req.Header.SetContentType(fiber.MIMEApplicationJSON)
			req.SetBody(b)
		}
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, nil)
		h(&ctx)
		return ctx.Response.StatusCode(), append([]byte(nil), ctx.Response.Body()...), nil
	}
}

// webPanel is the admin panel and agent console kept on the Daemon.
type webPanel = web.Web
