package campaign

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/channel/api"
	"github.com/wachan/wachan/channel/optout"
	"github.com/wachan/wachan/store"
)

func (s *Service) registerOptOuts(v1 fiber.Router) {
	v1.Get("/channels/:id/optouts", api.AdminOnly, s.listOptOuts)
	v1.Post("/channels/:id/optouts", api.AdminOnly, s.addOptOut)
	v1.Get("/channels/:id/optouts/:customer", api.AdminOnly, s.getOptOut)
	v1.Delete("/channels/:id/optouts/:customer", api.AdminOnly, s.deleteOptOut)
	v1.Get("/channels/:id/optout-words", api.AdminOnly, s.getWords)
	v1.Put("/channels/:id/optout-words", api.AdminOnly, s.putWords)
}

// OptOutView is an opt-out as the API shows it.
type OptOutView struct {
	Customer string `json:"customer"`
	Word     string `json:"word"`
	// Source is "word", "admin" or "whatsapp" (stopped in WhatsApp's
	// settings); empty for older entries.
	Source string `json:"source,omitempty"`
	At     string `json:"at"`
	Notice string `json:"notice"`
}

func viewOptOut(o *store.OptOut) OptOutView {
	return OptOutView{Customer: o.CustomerKey, Word: o.Word, Source: o.Source, At: o.At.UTC().Format("2006-01-02T15:04:05Z"), Notice: optout.Notice(o)}
}

// customerKey turns a number ("+44 7700 900001") or a customer key into
// the key customers are stored under.
func customerKey(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("required")
	}
	if strings.HasPrefix(s, "+") || strings.ContainsAny(s, " -()") {
		_, key, err := NormalizeNumber(s)
		return key, err
	}
	return s, nil
}

// inChannel runs fn in a transaction after checking channel :id exists.
func (s *Service) inChannel(c *fiber.Ctx, write bool, fn func(tx *store.Tx, ch string) error) error {
	ch := c.Params("id")
	run := s.store.View
	if write {
		run = s.store.Update
	}
	err := run(func(tx *store.Tx) error {
		if _, err := tx.Channel(ch); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return api.NotFound("channel", ch)
			}
			return err
		}
		return fn(tx, ch)
	})
	return err
}

func (s *Service) listOptOuts(c *fiber.Ctx) error {
	out := []OptOutView{}
	err := s.inChannel(c, false, func(tx *store.Tx, ch string) error {
		os, err := tx.OptOuts(ch)
		for _, o := range os {
			out = append(out, viewOptOut(o))
		}
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"optouts": out})
}

func (s *Service) getOptOut(c *fiber.Ctx) error {
	key, err := customerKey(c.Params("customer"))
	if err != nil {
		return api.NotFound("opt-out", c.Params("customer"))
	}
	var v OptOutView
	err = s.inChannel(c, false, func(tx *store.Tx, ch string) error {
		o, err := optout.Get(tx, ch, key)
		if err != nil {
			return err
		}
		if o == nil {
			return api.NotFound("opt-out", key)
		}
		v = viewOptOut(o)
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (s *Service) addOptOut(c *fiber.Ctx) error {
	var in struct {
		Customer string `json:"customer"`
	}
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return &api.Error{Status: api.ErrBadJSON.Status, Code: api.ErrBadJSON.Code, Message: "request body is not valid JSON: " + err.Error()}
	}
	key, err := customerKey(in.Customer)
	if err != nil {
		return api.Invalid("customer", "%s", err.Error())
	}
	var v OptOutView
	err = s.inChannel(c, true, func(tx *store.Tx, ch string) error {
		o, err := optout.Add(tx, ch, key, "admin", s.opts.Now())
		if err == nil {
			v = viewOptOut(o)
		}
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (s *Service) deleteOptOut(c *fiber.Ctx) error {
	key, err := customerKey(c.Params("customer"))
	if err != nil {
		return api.NotFound("opt-out", c.Params("customer"))
	}
	err = s.inChannel(c, true, func(tx *store.Tx, ch string) error {
		ok, err := tx.DeleteOptOut(ch, key)
		if err == nil && !ok {
			return api.NotFound("opt-out", key)
		}
		return err
	})
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Service) getWords(c *fiber.Ctx) error {
	var w store.OptOutWords
	err := s.inChannel(c, false, func(tx *store.Tx, ch string) (err error) {
		w, err = optout.Words(tx, ch)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(w)
}

func (s *Service) putWords(c *fiber.Ctx) error {
	var in store.OptOutWords
	if err := json.Unmarshal(c.Body(), &in); err != nil {
		return &api.Error{Status: api.ErrBadJSON.Status, Code: api.ErrBadJSON.Code, Message: "request body is not valid JSON: " + err.Error()}
	}
	w := store.OptOutWords{Stop: optout.CleanWords(in.Stop), Start: optout.CleanWords(in.Start)}
	if len(w.Stop) == 0 {
		return api.Invalid("stop", "at least one stop word is required")
	}
	for _, x := range w.Start {
		if contains(w.Stop, x) {
			return api.Invalid("start", "%q is also a stop word", x)
		}
	}
	if w.Start == nil {
		w.Start = []string{}
	}
	err := s.inChannel(c, true, func(tx *store.Tx, ch string) error { return tx.PutOptOutWords(ch, &w) })
	if err != nil {
		return err
	}
	return c.JSON(w)
}
