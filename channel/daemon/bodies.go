package daemon

import (
	"errors"
	"io"
	"path"
	"strings"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/ingest"
)

// Request body limits. Bodies are read by the gate before any route runs,
// at most their route's limit each and at most bodiesInFlightMax bytes for
// all requests together; uploads are left to their handlers, which read
// them (to disk) only once the request is authenticated.
const (
	// jsonBodyMax is the limit of API, panel and console requests.
	jsonBodyMax = 1 << 20
	// bodiesInFlightMax bounds the memory of bodies being read.
	bodiesInFlightMax = 32 << 20
	// bodyChunk is how much of a body is read (and counted) at a time.
	bodyChunk = 32 << 10
)

// uploadRoutes are the POST routes taking a multipart upload, as path.Match
// patterns.
var uploadRoutes = []string{"/api/v1/sessions/*/media", "/api/v1/campaigns", "/agent/c/*/file"}

var (
	errTooLarge   = &api.Error{Status: fiber.StatusRequestEntityTooLarge, Code: "too_large", Message: "the request body is too large"}
	errBusy       = &api.Error{Status: fiber.StatusServiceUnavailable, Code: "busy", Message: "too many request bodies are being received; try again shortly"}
	errUnreadable = &api.Error{Status: fiber.StatusBadRequest, Code: "bad_request", Message: "the request body could not be read"}
	errLength     = &api.Error{Status: fiber.StatusLengthRequired, Code: "length_required", Message: "uploads need a Content-Length"}
)

// bodyGate enforces the limits; fiber must stream request bodies
// (StreamRequestBody) for it to see them before they are read.
type bodyGate struct {
	// max is the memory all bodies being read may take together.
	max int64
	// uploadMax is the largest upload.
	uploadMax int64
	inFlight  atomic.Int64
}

func newBodyGate(uploadMax int64) *bodyGate {
	return &bodyGate{max: bodiesInFlightMax, uploadMax: uploadMax}
}

// InFlight reports the bytes of request bodies being held.
func (g *bodyGate) InFlight() int64 { return g.inFlight.Load() }

func (g *bodyGate) limit(p string) int64 {
	if strings.HasPrefix(p, "/webhook/") {
		return ingest.MaxBody
	}
	return jsonBodyMax
}

func isUpload(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost || !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm) {
		return false
	}
	for _, pat := range uploadRoutes {
		if ok, _ := path.Match(pat, c.Path()); ok {
			return true
		}
	}
	return false
}

// refuse answers err and closes the connection: the rest of the body is
// never read.
func refuse(c *fiber.Ctx, err error) error {
	c.Context().SetConnectionClose()
	return err
}

// handle is the first handler of every request.
func (g *bodyGate) handle(c *fiber.Ctx) error {
	req := c.Request()
	size := int64(req.Header.ContentLength()) // -1: chunked, -2: none
	if isUpload(c) {
		switch {
		case size < 0:
			return refuse(c, errLength)
		case size > g.uploadMax:
			return refuse(c, errTooLarge)
		}
		// Whatever the handlers leave unread must not be taken for the
		// next request.
		c.Context().SetConnectionClose()
		return c.Next()
	}
	limit := g.limit(c.Path())
	if size > limit {
		return refuse(c, errTooLarge)
	}
	if !req.IsBodyStream() {
		return c.Next()
	}
	body, held, err := g.read(c.Context().RequestBodyStream(), limit, size)
	defer g.inFlight.Add(-held)
	if err != nil {
		return refuse(c, err)
	}
	req.SetBodyRaw(body)
	return c.Next()
}

// read reads a body of at most limit bytes (size when known), counting
// what it holds against the gate's budget: a client that sends slowly
// holds only what it sent.
func (g *bodyGate) read(r io.Reader, limit, size int64) (body []byte, held int64, err error) {
	for {
		if int64(len(body)) > limit {
			return nil, held, errTooLarge
		}
		if len(body) == cap(body) {
			grow := max(int64(cap(body)), bodyChunk)
			if cap(body) == 0 && size >= 0 && size < bodyChunk {
				grow = size + 1
			}
			grow = min(grow, limit+1-int64(cap(body)))
			if g.inFlight.Add(grow) > g.max {
				g.inFlight.Add(-grow)
				return nil, held, errBusy
			}
			held += grow
			body = append(make([]byte, 0, int64(cap(body))+grow), body...)
		}
		n, err := r.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		switch {
		case errors.Is(err, io.EOF):
			return body, held, nil
		case err != nil:
			return nil, held, errUnreadable
		}
	}
}
