package integration

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/store"
)

// Register mounts the admin-only key routes on the /api/v1 group v1:
// POST /keys, GET /keys, GET /keys/:id and DELETE /keys/:id.
func (s *Service) Register(v1 fiber.Router) {
	v1.Post("/keys", api.AdminOnly, s.createKey)
	v1.Get("/keys", api.AdminOnly, s.listKeys)
	v1.Get("/keys/:id", api.AdminOnly, s.getKey)
	v1.Delete("/keys/:id", api.AdminOnly, s.revokeKey)
}

type keyInput struct {
	Name       string   `json:"name"`
	Channels   []string `json:"channels"`
	WebhookURL string   `json:"webhook_url"`
	Events     []string `json:"events"`
}

// keyView is a key as listed: never the key's hash, the webhook secret
// masked.
type keyView struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Channels      []string  `json:"channels"`
	WebhookURL    string    `json:"webhook_url,omitempty"`
	WebhookSecret string    `json:"webhook_secret,omitempty"`
	Events        []string  `json:"events,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	Revoked       bool      `json:"revoked"`
	RevokedAt     time.Time `json:"revoked_at,omitzero"`
}

func view(k *store.APIKey) keyView {
	return keyView{ID: k.ID, Name: k.Name, Channels: k.Channels, WebhookURL: k.WebhookURL,
		WebhookSecret: api.Mask(k.WebhookSecret), Events: k.Events, CreatedAt: k.CreatedAt,
		Revoked: k.Revoked(), RevokedAt: k.RevokedAt}
}

func (in *keyInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 100 {
		return api.Invalid("name", "is required (at most 100 characters)")
	}
	if len(in.Channels) == 0 {
		return api.Invalid("channels", "must name at least one channel id")
	}
	if in.WebhookURL != "" {
		u, err := url.Parse(in.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return api.Invalid("webhook_url", "must be an http(s) URL without credentials")
		}
	}
	if len(in.Events) > 0 && in.WebhookURL == "" {
		return api.Invalid("events", "need a webhook_url to be sent to")
	}
	for _, e := range in.Events {
		if !slices.Contains(Events, e) {
			return api.Invalid("events", "%q is not one of %s", e, strings.Join(Events, ", "))
		}
	}
	if in.WebhookURL != "" && len(in.Events) == 0 {
		in.Events = slices.Clone(Events)
	}
	slices.Sort(in.Events)
	in.Events = slices.Compact(in.Events)
	slices.Sort(in.Channels)
	in.Channels = slices.Compact(in.Channels)
	return nil
}

// createKey creates a key and shows its secret, and its webhook secret,
// this once.
func (s *Service) createKey(c *fiber.Ctx) error {
	var in keyInput
	if err := c.App().Config().JSONDecoder(c.Body(), &in); err != nil {
		return &api.Error{Status: api.ErrBadJSON.Status, Code: api.ErrBadJSON.Code, Message: "request body is not valid JSON: " + err.Error()}
	}
	if err := in.validate(); err != nil {
		return err
	}
	id, secret := newKey()
	k := &store.APIKey{ID: id, Name: in.Name, Hash: api.HashToken(secret), Channels: in.Channels,
		WebhookURL: in.WebhookURL, Events: in.Events, CreatedAt: s.opts.Now().UTC()}
	if k.WebhookURL != "" {
		k.WebhookSecret = SecretPrefix + api.NewToken(24)
	}
	err := s.store.Update(func(tx *store.Tx) error {
		for _, ch := range k.Channels {
			if _, err := tx.Channel(ch); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return api.Invalid("channels", "no channel %q", ch)
				}
				return err
			}
		}
		return tx.PutAPIKey(k)
	})
	if err != nil {
		return err
	}
	v := fiber.Map{"id": k.ID, "name": k.Name, "channels": k.Channels, "key": secret, "created_at": k.CreatedAt}
	if k.WebhookURL != "" {
		v["webhook_url"], v["webhook_secret"], v["events"] = k.WebhookURL, k.WebhookSecret, k.Events
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Service) listKeys(c *fiber.Ctx) error {
	var keys []*store.APIKey
	if err := s.store.View(func(tx *store.Tx) (err error) { keys, err = tx.APIKeys(); return }); err != nil {
		return err
	}
	out := make([]keyView, 0, len(keys))
	for _, k := range keys {
		out = append(out, view(k))
	}
	return c.JSON(fiber.Map{"keys": out})
}

func (s *Service) getKey(c *fiber.Ctx) error {
	var k *store.APIKey
	err := s.store.View(func(tx *store.Tx) (err error) { k, err = tx.APIKey(c.Params("id")); return })
	if errors.Is(err, store.ErrNotFound) {
		return api.NotFound("API key", c.Params("id"))
	}
	if err != nil {
		return err
	}
	return c.JSON(view(k))
}

// revokeKey revokes a key at once; revoking a revoked key is a no-op.
func (s *Service) revokeKey(c *fiber.Ctx) error {
	err := s.store.Update(func(tx *store.Tx) error {
		k, err := tx.APIKey(c.Params("id"))
		if errors.Is(err, store.ErrNotFound) {
			return api.NotFound("API key", c.Params("id"))
		}
		if err != nil || k.Revoked() {
			return err
		}
		k.RevokedAt = s.opts.Now().UTC()
		return tx.PutAPIKey(k)
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
