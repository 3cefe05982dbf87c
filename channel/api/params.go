package api

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// ChannelParam returns the :id of the path, copied, once it is known to be
// a channel kept in tx.
func ChannelParam(c *fiber.Ctx, tx *store.Tx) (string, error) {
	id := strings.Clone(c.Params("id"))
	if _, err := tx.Channel(id); errors.Is(err, store.ErrNotFound) {
		return "", NotFound("channel", id)
	} else if err != nil {
		return "", err
	}
	return id, nil
}

// PathParam returns the path parameter name, copied and unescaped (as it
// stands when it is not a valid escape).
func PathParam(c *fiber.Ctx, name string) string {
	p := strings.Clone(c.Params(name))
	if u, err := url.PathUnescape(p); err == nil {
		return u
	}
	return p
}

// CheckDestination checks the destination at field: a queue, which must
// exist, or an extension.
func CheckDestination(tx *store.Tx, field string, d *store.Destination) error {
	switch {
	case d == nil || d.Type != "queue" && d.Type != "extension":
		return Invalid(field+".type", "must be \"queue\" or \"extension\"")
	case strings.TrimSpace(d.ID) == "":
		return Invalid(field+".id", "is required")
	case d.Type == "queue":
		if _, err := tx.Queue(d.ID); errors.Is(err, store.ErrNotFound) {
			return Invalid(field+".id", "no queue %q", d.ID)
		} else if err != nil {
			return err
		}
	}
	return nil
}
