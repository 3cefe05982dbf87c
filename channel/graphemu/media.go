package graphemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
)

// downloadPath is where media bytes are served (outside the version).
const downloadPath = "/media-download/"

// maxUpload is the largest upload accepted, like Meta's 100 MB.
const maxUpload = 100 << 20

// uploadTypes are the MIME types Meta accepts, with their size limits.
var uploadTypes = map[string]int64{
	"audio/aac": 16 << 20, "audio/amr": 16 << 20, "audio/mpeg": 16 << 20, "audio/mp4": 16 << 20, "audio/ogg": 16 << 20,
	"text/plain": maxUpload, "application/pdf": maxUpload,
	"application/vnd.ms-excel": maxUpload,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": maxUpload,
	"application/msword": maxUpload,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   maxUpload,
	"application/vnd.ms-powerpoint":                                             maxUpload,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": maxUpload,
	"image/jpeg": 5 << 20, "image/png": 5 << 20, "image/webp": 500 << 10,
	"video/mp4": 16 << 20, "video/3gpp": 16 << 20,
}

// media is one stored media object.
type media struct {
	id       string
	owner    string // phone number id; "" for seeded media any number may read
	mime     string
	filename string
	data     []byte
	sha256   string // base64, as Meta writes it
	created  time.Time
	// resolves and downloads count GET /{media-id} answers and served
	// downloads, for tests.
	resolves, downloads int
}

// mediaURL is one minted download URL.
type mediaURL struct {
	id      string
	expires time.Time
}

// AddMedia stores data as media of MIME type mime that any number may
// read, for simulating media sent by customers, and returns its id.
// FailNext and FailSeq with the media id in place of a number make
// resolving it fail.
func (s *Server) AddMedia(data []byte, mime string) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeMedia("", mime, "", slices.Clone(data))
}

// AddMediaFile is AddMedia for a file with a name, as customers send
// documents.
func (s *Server) AddMediaFile(data []byte, mime, filename string) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeMedia("", mime, filename, slices.Clone(data))
}

// SetMediaSHA256 makes the media id announce sum (any string, as written
// in webhooks and resolve answers) instead of its real digest, to simulate
// corrupted media. It reports whether id exists.
func (s *Server) SetMediaSHA256(id, sum string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[id]
	if m != nil {
		m.sha256 = sum
	}
	return m != nil
}

// ExpireMediaURLs makes every download URL minted so far expire now, so
// that downloads answer 404 until the media is resolved again.
func (s *Server) ExpireMediaURLs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for tok, u := range s.mediaURLs {
		u.expires = now
		s.mediaURLs[tok] = u
	}
}

// MediaURL mints a download URL for media id on the emulator at base (as
// returned by Start), like the url newer webhooks carry. It returns "" for
// an unknown id.
func (s *Server) MediaURL(base, id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.media[id] == nil {
		return ""
	}
	token := newURLToken()
	s.mediaURLs[token] = mediaURL{id: id, expires: s.now().Add(s.opts.MediaURLTTL)}
	return strings.TrimSuffix(base, "/") + downloadPath + token
}

// MediaCalls returns how often media id was resolved and downloaded.
func (s *Server) MediaCalls(id string) (resolves, downloads int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.media[id]; m != nil {
		return m.resolves, m.downloads
	}
	return 0, 0
}

// Media returns the bytes, MIME type and file name of media id (uploaded
// or added), and whether it exists.
func (s *Server) Media(id string) (data []byte, mime, filename string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[id]
	if m == nil {
		return nil, "", "", false
	}
	return slices.Clone(m.data), m.mime, m.filename, true
}

// storeMedia stores data; s.mu must be held.
func (s *Server) storeMedia(owner, mime, filename string, data []byte) string {
	sum := sha256.Sum256(data)
	id := numericID(s.nextSeq())
	s.media[id] = &media{
		id:       id,
		owner:    owner,
		mime:     mime,
		filename: filename,
		data:     data,
		sha256:   base64.StdEncoding.EncodeToString(sum[:]),
		created:  s.now(),
	}
	return id
}

// canRead reports whether tok may use m; s.mu must be held.
func (s *Server) canRead(m *media, tok string) bool {
	if m.owner == "" {
		return true
	}
	n := s.numbers[m.owner]
	return n != nil && n.Token == tok
}

// handleUpload serves POST /{ver}/{pnid}/media.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	pnid, ok := s.admitPost(w, r)
	if !ok {
		return
	}
	up, gerr := readUpload(w, r)
	if gerr != nil {
		s.reject(w, pnid, *gerr)
		return
	}
	s.mu.Lock()
	id := s.storeMedia(pnid, up.mime, up.filename, up.data)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

type upload struct {
	mime     string
	filename string
	data     []byte
}

// readUpload parses Meta's multipart upload form: messaging_product, file,
// type.
func readUpload(w http.ResponseWriter, r *http.Request) (upload, *graphError) {
	fail := func(e graphError) (upload, *graphError) { return upload{}, &e }
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return fail(errParam("(#100) The parameter file is required."))
	}
	var up upload
	var product string
	var haveFile bool
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(errParam("(#100) Invalid parameter").withDetails("malformed multipart body"))
		}
		switch part.FormName() {
		case "messaging_product":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			product = string(b)
		case "type":
			b, _ := io.ReadAll(io.LimitReader(part, 256))
			up.mime = strings.TrimSpace(string(b))
		case "file":
			data, err := io.ReadAll(io.LimitReader(part, maxUpload+1))
			if err != nil {
				return fail(codeError(131053).withDetails("reading the file failed"))
			}
			if len(data) > maxUpload {
				return fail(codeError(131053).withDetails("file larger than 100 MB"))
			}
			up.data = data
			up.filename = part.FileName()
			haveFile = true
		}
		part.Close()
	}
	switch {
	case product != "whatsapp":
		return fail(errParam("(#100) The parameter messaging_product is required."))
	case !haveFile:
		return fail(errParam("(#100) The parameter file is required."))
	case up.mime == "":
		return fail(errParam("(#100) The parameter type is required."))
	}
	base, _, err := mime.ParseMediaType(up.mime)
	if err != nil {
		base = up.mime
	}
	limit, ok := uploadTypes[base]
	if !ok {
		return fail(codeError(131053).withDetails("Param file must be a file with one of the following types: audio/aac, audio/amr, audio/mpeg, audio/mp4, audio/ogg, text/plain, application/pdf, image/jpeg, image/png, image/webp, video/mp4, video/3gpp and Office documents. Received file of type '%s'.", up.mime))
	}
	if int64(len(up.data)) > limit {
		return fail(codeError(131053).withDetails("file of %d bytes exceeds the %d byte limit of %s", len(up.data), limit, base))
	}
	return up, nil
}

// resolveMedia answers GET /{ver}/{media-id}; s.mu must be held.
func (s *Server) resolveMedia(r *http.Request, m *media, tok string) (map[string]any, *graphError) {
	if !s.canRead(m, tok) {
		e := errUnknownObject("get", m.id)
		return nil, &e
	}
	if p := r.URL.Query().Get("phone_number_id"); p != "" && m.owner != "" && p != m.owner {
		e := errUnknownObject("get", m.id)
		return nil, &e
	}
	if f, ok := s.takeFault(m.id); ok {
		return nil, &f
	}
	if len(s.mediaURLs) > 1024 {
		now := s.now()
		for t, u := range s.mediaURLs {
			if !now.Before(u.expires) {
				delete(s.mediaURLs, t)
			}
		}
	}
	token := newURLToken()
	s.mediaURLs[token] = mediaURL{id: m.id, expires: s.now().Add(s.opts.MediaURLTTL)}
	m.resolves++
	return map[string]any{
		"messaging_product": "whatsapp",
		"url":               baseURL(r) + downloadPath + token,
		"mime_type":         m.mime,
		"sha256":            m.sha256,
		"file_size":         len(m.data),
		"id":                m.id,
	}, nil
}

// baseURL is the scheme and host the request reached.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// handleDownload serves the bytes behind a minted media URL. It needs the
// Bearer token of a number that may read the media; an unknown or expired
// URL is a plain 404.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	tok, gerr := s.checkToken(r)
	if gerr != nil {
		s.mu.Unlock()
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	u, ok := s.mediaURLs[r.PathValue("token")]
	var m *media
	if ok && s.now().Before(u.expires) {
		m = s.media[u.id]
	}
	if m == nil {
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	if !s.canRead(m, tok) {
		s.mu.Unlock()
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	data, mt := m.data, m.mime
	m.downloads++
	s.mu.Unlock()
	w.Header().Set("Content-Type", mt)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

// deleteMedia removes m and its URLs; s.mu must be held.
func (s *Server) deleteMedia(m *media) {
	delete(s.media, m.id)
	for tok, u := range s.mediaURLs {
		if u.id == m.id {
			delete(s.mediaURLs, tok)
		}
	}
}
