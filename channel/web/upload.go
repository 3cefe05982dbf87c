package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// sendFile sends a file the agent uploaded to the customer, through the
// admin API's session media route (which checks, stores and queues it).
func (w *Web) sendFile(c *fiber.Ctx) error {
	d, err := w.loadConv(c)
	if d == nil {
		return err
	}
	switch {
	case !d.Mine:
		d.Error = "Take the conversation before sending a file."
	case !d.WindowOpen:
		d.Error = "The customer's last message is more than 24 hours old: WhatsApp only lets a template reach them now."
	}
	fh, ferr := c.FormFile("file")
	if d.Error == "" && ferr != nil {
		d.Error = "Choose a file to send."
	}
	if d.Error == "" {
		body, ctype, err := fileBody(fh, c.FormValue("caption"))
		if err != nil {
			d.Error = "The file could not be read."
		} else if e := w.callAgent(webSession(c).Extension, "POST", "/api/v1/sessions/"+url.PathEscape(strconv.FormatUint(d.S.ID, 10))+"/media", Raw{ContentType: ctype, Body: body}, nil); e != nil {
			d.Error = "Not sent: " + e.Message
		} else {
			w.Notify()
			d.Notices = []string{"File " + fh.Filename + " sent."}
		}
	}
	return w.afterAction(c, d)
}

// fileBody re-encodes an uploaded file and its caption as the API's
// multipart body.
func fileBody(fh *multipart.FileHeader, caption string) ([]byte, string, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreatePart(fh.Header)
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(part, f); err != nil {
		return nil, "", err
	}
	if caption != "" {
		if err := mw.WriteField("caption", caption); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}
