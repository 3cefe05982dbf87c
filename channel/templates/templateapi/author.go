package templateapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/channel/templates"
	"github.com/wachan/wachan/store"
)

// graphTimeout bounds one authoring call to Meta.
const graphTimeout = time.Minute

// mountAuthoring adds the authoring routes, all for the admin:
// POST /channels/:id/templates (create), PUT /channels/:id/templates/:name
// (edit), DELETE /channels/:id/templates/:name and
// POST /channels/:id/templates/media (sample file for a media header).
func (h *Handlers) mountAuthoring(r fiber.Router) {
	r.Post("/channels/:id/templates/media", api.AdminOnly, h.uploadMedia)
	r.Post("/channels/:id/templates", api.AdminOnly, h.create)
	r.Put("/channels/:id/templates/:name", api.AdminOnly, h.edit)
	r.Delete("/channels/:id/templates/:name", api.AdminOnly, h.remove)
}

// channelOf checks the channel of the request and returns its id.
func (h *Handlers) channelOf(c *fiber.Ctx) (string, error) {
	var id string
	err := h.store.View(func(tx *store.Tx) (err error) { id, err = channel(c, tx); return })
	return id, err
}

// graphError turns an error of an authoring call into the API's error.
func graphError(err error, doing string) error {
	if e := APIError(err); e != err {
		return e
	}
	var ge *cloudapi.APIError
	if errors.As(err, &ge) {
		return &api.Error{Status: fiber.StatusBadGateway, Code: "graph_error", Message: doing + " failed at Meta: " + ge.Explain()}
	}
	if errors.Is(err, store.ErrNotFound) {
		return err
	}
	return &api.Error{Status: fiber.StatusBadGateway, Code: "graph_error", Message: doing + " failed: " + err.Error()}
}

// channelAndDraft checks the channel of the request and decodes its
// Draft; fiber's body is copied by json.Unmarshal.
func (h *Handlers) channelAndDraft(c *fiber.Ctx) (string, *templates.Draft, error) {
	id, err := h.channelOf(c)
	if err != nil {
		return "", nil, err
	}
	var d templates.Draft
	if err := json.Unmarshal(c.Body(), &d); err != nil {
		return "", nil, &api.Error{Status: fiber.StatusBadRequest, Code: "bad_json", Message: "request body is not a template definition: " + err.Error()}
	}
	return id, &d, nil
}

func (h *Handlers) create(c *fiber.Ctx) error {
	id, d, err := h.channelAndDraft(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), graphTimeout)
	defer cancel()
	t, err := h.svc.Create(ctx, id, d)
	if err != nil {
		return graphError(err, "submitting the template")
	}
	return c.Status(fiber.StatusCreated).JSON(viewOf(t, true))
}

func (h *Handlers) edit(c *fiber.Ctx) error {
	id, d, err := h.channelAndDraft(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), graphTimeout)
	defer cancel()
	t, err := h.svc.Edit(ctx, id, strings.Clone(c.Params("name")), strings.Clone(c.Query("language")), d)
	if err != nil {
		return graphError(err, "submitting the edit")
	}
	return c.JSON(viewOf(t, true))
}

func (h *Handlers) remove(c *fiber.Ctx) error {
	id, err := h.channelOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), graphTimeout)
	defer cancel()
	langs, err := h.svc.Delete(ctx, id, strings.Clone(c.Params("name")), strings.Clone(c.Query("language")))
	if err != nil {
		return graphError(err, "deleting the template")
	}
	return c.JSON(fiber.Map{"deleted": langs})
}

// uploadMedia takes the sample file of a media header as a multipart
// "file" field or as the raw body (with its Content-Type and an optional
// ?filename=) and answers {handle, header_format}.
func (h *Handlers) uploadMedia(c *fiber.Ctx) error {
	id, err := h.channelOf(c)
	if err != nil {
		return err
	}
	var (
		data       []byte
		name, mime string
	)
	if fh, ferr := c.FormFile("file"); ferr == nil {
		f, err := fh.Open()
		if err != nil {
			return api.Invalid("file", "cannot be read: %s", err.Error())
		}
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return api.Invalid("file", "cannot be read: %s", err.Error())
		}
		name, mime = fh.Filename, fh.Header.Get("Content-Type")
		if mime == "" || mime == "application/octet-stream" {
			mime = http.DetectContentType(data)
		}
	} else {
		data = append([]byte(nil), c.Body()...)
		name, mime = strings.Clone(c.Query("filename")), strings.Clone(string(c.Request().Header.ContentType()))
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 5*time.Minute)
	defer cancel()
	handle, err := h.svc.UploadMedia(ctx, id, name, mime, data)
	if err != nil {
		return graphError(err, "uploading the sample file")
	}
	return c.JSON(fiber.Map{"handle": handle, "header_format": templates.HeaderFormatOf(normMIME(mime))})
}

// normMIME drops parameters from a MIME type.
func normMIME(m string) string {
	m, _, _ = strings.Cut(m, ";")
	m = strings.ToLower(strings.TrimSpace(m))
	if m == "image/jpg" {
		return "image/jpeg"
	}
	return m
}
