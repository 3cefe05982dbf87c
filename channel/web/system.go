package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

type systemPage struct {
	Info        SystemInfo
	Channels    int
	OpenSess    int
	Outbox      int
	Journal     int
	Messages    int
	Users       int
	Unavailable bool
	// Zone names the time zone of the statistics' days.
	Zone string
}

func (w *Web) system(c *fiber.Ctx) error {
	p := &systemPage{Zone: zoneName(w.opts.Location, time.Now())}
	if w.opts.System != nil {
		p.Info = w.opts.System()
	} else {
		p.Unavailable = true
	}
	err := w.st.View(func(tx *store.Tx) error {
		chs, err := tx.Channels()
		if err != nil {
			return err
		}
		open, err := tx.OpenSessions()
		if err != nil {
			return err
		}
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		us, err := tx.Users()
		if err != nil {
			return err
		}
		p.Channels, p.OpenSess, p.Outbox, p.Users = len(chs), len(open), len(jobs), len(us)
		p.Journal, p.Messages = tx.JournalLen(), tx.MessageCount()
		return nil
	})
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, "system", &view{Title: "System", Nav: "system", Data: p})
}
