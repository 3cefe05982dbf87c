package media

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/wachan/wachan/store"
)

// RoutePrefix is the path of media links, before the token.
const RoutePrefix = "/media/"

// retryAfter is what a 503 for a fetch in progress asks clients to wait,
// in seconds.
const retryAfter = "5"

// Register mounts GET (and HEAD) RoutePrefix+":token" on r. It is public:
// the signed token is the credential.
func (s *Service) Register(r fiber.Router) {
	r.Get(RoutePrefix+":token", s.serve)
}

// served is what a link resolved to.
type served struct {
	file     *store.MediaFile
	mime     string
	name     string
	kind     string
	inFlight bool // the message's media is still being fetched
}

// serve answers one link: the file with its type, name, length, ETag and
// byte ranges. Unknown, expired or failed media is a bare 404, a forged
// token a bare 403.
func (s *Service) serve(c *fiber.Ctx) error {
	c.Set("Cache-Control", "private, no-transform")
	c.Set("X-Content-Type-Options", "nosniff")
	t, err := s.signer.Verify(c.Params("token"), s.opts.Now())
	if errors.Is(err, ErrTokenForged) {
		return c.Status(fiber.StatusForbidden).SendString("forbidden")
	}
	if err != nil {
		return c.Status(fiber.StatusNotFound).SendString("not found")
	}
	deadline := time.NewTimer(s.opts.WaitPending)
	defer deadline.Stop()
	var sv served
	for {
		changed := s.changes()
		sv, err = s.lookup(t)
		if err != nil {
			return c.Status(fiber.StatusNotFound).SendString("not found")
		}
		if !sv.inFlight {
			break
		}
		select {
		case <-changed:
			continue
		case <-deadline.C:
		case <-c.Context().Done():
		}
		c.Set("Retry-After", retryAfter)
		return c.Status(fiber.StatusServiceUnavailable).SendString("media is still being fetched; retry shortly")
	}
	f, err := s.files.Open(sv.file.SHA256)
	if err != nil {
		return c.Status(fiber.StatusNotFound).SendString("not found")
	}
	return s.send(c, f, sv)
}

// lookup finds the stored file behind t.
func (s *Service) lookup(t Target) (served, error) {
	var sv served
	err := s.store.View(func(tx *store.Tx) error {
		fileID := t.ID
		if t.Kind == KindMessage {
			m, err := tx.Message(t.ID)
			if err != nil {
				return err
			}
			if m.Media == nil {
				return store.ErrNotFound
			}
			id, ok := parseFileID(m.Media.FileID)
			if !ok {
				if _, err := tx.MediaJob(m.ID); err == nil {
					sv.inFlight = true
					return nil
				}
				return store.ErrNotFound
			}
			fileID = id
			sv.mime, sv.name, sv.kind = m.Media.MIME, m.Media.Filename, m.Type
			if sv.name == "" {
				sv.name = m.Type + "-" + strconv.FormatUint(m.ID, 10)
			}
		}
		f, err := tx.MediaFile(fileID)
		if err != nil {
			return err
		}
		if !s.opts.Now().Before(f.ExpiresAt) {
			return store.ErrNotFound
		}
		sv.file = f
		if sv.mime == "" {
			sv.mime = f.MIME
		}
		if sv.name == "" {
			sv.name = "file-" + f.Key()
		}
		return nil
	})
	return sv, err
}

// fileBody streams a section of an open file and closes the file after.
type fileBody struct {
	*io.SectionReader
	f *os.File
}

func (b *fileBody) Close() error { return b.f.Close() }

// send writes f (closing it) with headers, answering conditional and range
// requests.
func (s *Service) send(c *fiber.Ctx, f *os.File, sv served) error {
	size := sv.file.Size
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	ct, safe := contentType(sv.mime)
	etag := `"` + sv.file.SHA256 + `"`
	c.Set("Content-Type", ct)
	c.Set("Content-Disposition", Disposition(!safe || sv.kind == "document", fileName(sv.name, sv.mime)))
	c.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	c.Set("ETag", etag)
	c.Set("Accept-Ranges", "bytes")
	c.Set("Last-Modified", sv.file.CreatedAt.UTC().Format(http.TimeFormat))
	if inm := c.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		f.Close()
		return c.SendStatus(fiber.StatusNotModified)
	}
	start, length := int64(0), size
	status := fiber.StatusOK
	if rng := c.Get("Range"); rng != "" && !strings.Contains(rng, ",") && ifRange(c.Get("If-Range"), etag) {
		a, b, err := fasthttp.ParseByteRange([]byte(rng), int(size))
		if err != nil {
			f.Close()
			c.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			return c.Status(fiber.StatusRequestedRangeNotSatisfiable).SendString("range not satisfiable")
		}
		start, length = int64(a), int64(b-a+1)
		status = fiber.StatusPartialContent
		c.Set("Content-Range", "bytes "+strconv.Itoa(a)+"-"+strconv.Itoa(b)+"/"+strconv.FormatInt(size, 10))
	}
	c.Status(status)
	if c.Method() == fiber.MethodHead {
		f.Close()
		c.Response().SkipBody = true
		c.Response().Header.SetContentLength(int(length))
		return nil
	}
	c.Context().SetBodyStream(&fileBody{SectionReader: io.NewSectionReader(f, start, length), f: f}, int(length))
	return nil
}

// etagMatch reports whether an If-None-Match list names etag.
func etagMatch(list, etag string) bool {
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}

// ifRange reports whether a Range applies given If-Range (only our strong
// ETag validates; a date or another tag means send the whole file).
func ifRange(v, etag string) bool { return v == "" || v == etag }

// inlineTypes are shown by browsers without running anything.
var inlineTypes = []string{"image/jpeg", "image/png", "image/webp", "audio/", "video/", "application/pdf"}

// contentType returns the type to send and whether the browser may show
// it inline. Anything unreadable is application/octet-stream.
func contentType(t string) (string, bool) {
	mt, params, err := mime.ParseMediaType(t)
	if err != nil {
		return "application/octet-stream", false
	}
	for _, p := range inlineTypes {
		if mt == p || strings.HasSuffix(p, "/") && strings.HasPrefix(mt, p) {
			return mime.FormatMediaType(mt, params), true
		}
	}
	return mime.FormatMediaType(mt, params), false
}
