package graphemu

import (
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// resumableTypes are the MIME types the Resumable Upload API accepts.
var resumableTypes = []string{"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"}

// uploadSession is one Resumable Upload API session.
type uploadSession struct {
	app, token, name, mime string
	length                 int64
	data                   []byte
}

// Uploaded is a file uploaded through the Resumable Upload API, known by
// its handle.
type Uploaded struct {
	App      string
	Name     string
	MIME     string
	Data     []byte
	Complete bool
}

// authoring holds template authoring state: upload sessions, file handles
// and the review of created templates.
type authoring struct {
	sessions map[string]*uploadSession
	handles  map[string]*uploadSession
	review   func(Template) (event, reason string)
	// reviewSet is true once SetTemplateReview replaced the default.
	reviewSet bool
	edits     map[string][]int64 // template id -> unix times of edits while approved
}

// author returns the authoring state, creating it; s.mu must be held.
func (s *Server) author() *authoring {
	if s.auth == nil {
		s.auth = &authoring{sessions: map[string]*uploadSession{}, handles: map[string]*uploadSession{}, edits: map[string][]int64{}}
	}
	return s.auth
}

// Handle returns the file behind a handle minted by the Resumable Upload
// API, and whether it exists.
func (s *Server) Handle(h string) (Uploaded, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.author().handles[h]
	if u == nil {
		return Uploaded{}, false
	}
	return Uploaded{App: u.app, Name: u.name, MIME: u.mime, Data: slices.Clone(u.data), Complete: int64(len(u.data)) == u.length}, true
}

// handleStartUpload serves POST /{ver}/{app-id}/uploads?file_name&
// file_length&file_type: it opens an upload session and answers
// {id:"upload:<session>"}. Any token the emulator knows may upload.
func (s *Server) handleStartUpload(w http.ResponseWriter, r *http.Request) {
	app := r.PathValue("id")
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, gerr := s.checkToken(r)
	if gerr != nil {
		writeError(w, *gerr)
		return
	}
	if !isNumeric(app) {
		writeError(w, errUnknownObject("post", app))
		return
	}
	length, err := strconv.ParseInt(q.Get("file_length"), 10, 64)
	switch {
	case q.Get("file_length") == "":
		writeError(w, errParam("(#100) The parameter file_length is required."))
		return
	case err != nil || length <= 0 || length > maxUpload:
		writeError(w, errParam("(#100) Invalid parameter").withDetails("file_length must be a positive number of bytes up to %d", maxUpload))
		return
	case q.Get("file_type") == "":
		writeError(w, errParam("(#100) The parameter file_type is required."))
		return
	case !slices.Contains(resumableTypes, q.Get("file_type")):
		writeError(w, errParam("(#100) Invalid parameter").withDetails("file_type must be one of %s", strings.Join(resumableTypes, ", ")))
		return
	}
	mime := q.Get("file_type")
	if mime == "image/jpg" {
		mime = "image/jpeg"
	}
	id := "upload:" + base64.RawURLEncoding.EncodeToString([]byte("session:"+numericID(s.nextSeq())+":"+newURLToken()[:8]))
	s.author().sessions[id] = &uploadSession{app: app, token: tok, name: q.Get("file_name"), mime: mime, length: length}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// oauthToken extracts the token of an "Authorization: OAuth <token>"
// header, which the upload step requires; a Bearer header is accepted too.
func oauthToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, prefix := range []string{"oauth ", "bearer "} {
		if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
			return strings.TrimSpace(h[len(prefix):])
		}
	}
	return ""
}

// handleUploadData serves POST /{ver}/upload:<session> with a file_offset
// header and the bytes as the body. When the file is complete it answers
// {h:"<handle>"}; a partial chunk answers {id, file_offset}.
func (s *Server) handleUploadData(w http.ResponseWriter, r *http.Request, id string) {
	tok := oauthToken(r)
	s.mu.Lock()
	sess := s.author().sessions[id]
	s.mu.Unlock()
	switch {
	case tok == "":
		writeError(w, errNoToken())
		return
	case sess == nil:
		writeError(w, errUnknownObject("post", id))
		return
	case sess.token != tok:
		writeError(w, errBadToken())
		return
	}
	off, err := strconv.ParseInt(r.Header.Get("file_offset"), 10, 64)
	if err != nil {
		writeError(w, errParam("(#100) The parameter file_offset is required."))
		return
	}
	chunk, err := io.ReadAll(http.MaxBytesReader(w, r.Body, sess.length+1))
	if err != nil {
		writeError(w, errParam("(#100) Invalid parameter").withDetails("more bytes than file_length"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if off != int64(len(sess.data)) {
		writeError(w, errParam("(#100) Invalid parameter").withDetails("file_offset %d does not match the %d bytes received so far", off, len(sess.data)))
		return
	}
	if int64(len(sess.data)+len(chunk)) > sess.length {
		writeError(w, errParam("(#100) Invalid parameter").withDetails("more bytes than file_length"))
		return
	}
	sess.data = append(sess.data, chunk...)
	if int64(len(sess.data)) < sess.length {
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "file_offset": len(sess.data)})
		return
	}
	h := "4::" + base64.StdEncoding.EncodeToString([]byte(sess.mime+":"+newURLToken()))
	s.author().handles[h] = sess
	writeJSON(w, http.StatusOK, map[string]string{"h": h})
}

func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
