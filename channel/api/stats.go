package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// statsZone is the time zone of ?tz=: an IANA name, or "local" (also the
// default) for the daemon's time_zone.
func (a *API) statsZone(c *fiber.Ctx) (*time.Location, error) {
	switch tz := c.Query("tz", "local"); tz {
	case "local", "":
		return a.opts.Location, nil
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return nil, invalid("tz", "must be local, UTC or an IANA time zone like Europe/Berlin; got %q", tz)
		}
		return loc, nil
	}
}

// statsRange turns ?from=&to= or ?range= into a range of days in loc; the
// dates are returned as midnights UTC, as store.SumCounts takes them.
func statsRange(c *fiber.Ctx, now time.Time, loc *time.Location) (from, to time.Time, err error) {
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	today := day(now.In(loc))
	if f, t := c.Query("from"), c.Query("to"); f != "" || t != "" {
		if f != "" {
			if from, err = time.Parse(store.DayLayout, f); err != nil {
				return from, to, invalid("from", "must be a date YYYY-MM-DD, got %q", f)
			}
		}
		to = today
		if t != "" {
			if to, err = time.Parse(store.DayLayout, t); err != nil {
				return from, to, invalid("to", "must be a date YYYY-MM-DD, got %q", t)
			}
		}
		if !from.IsZero() && to.Before(from) {
			return from, to, invalid("to", "must not be before from")
		}
		return from, to, nil
	}
	switch r := c.Query("range", "all"); r {
	case "today":
		return today, today, nil
	case "yesterday":
		y := today.AddDate(0, 0, -1)
		return y, y, nil
	case "last7":
		return today.AddDate(0, 0, -6), today, nil
	case "last30":
		return today.AddDate(0, 0, -29), today, nil
	case "month":
		return time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC), today, nil
	case "all":
		return time.Time{}, time.Time{}, nil
	default:
		return from, to, invalid("range", "must be one of today, yesterday, last7, last30, month, all; got %q", r)
	}
}

type statsView struct {
	Channel string `json:"channel,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	// TimeZone is the zone of From, To and the days counted.
	TimeZone string `json:"time_zone"`
	store.Counts
}

func (a *API) stats(c *fiber.Ctx, channel string) error {
	loc, err := a.statsZone(c)
	if err != nil {
		return err
	}
	from, to, err := statsRange(c, a.opts.Now(), loc)
	if err != nil {
		return err
	}
	var counts store.Counts
	if err := a.store.View(func(tx *store.Tx) (err error) { counts, err = tx.SumCounts(channel, from, to, loc); return }); err != nil {
		return err
	}
	v := statsView{Channel: channel, Counts: counts, TimeZone: loc.String()}
	if !from.IsZero() {
		v.From = from.Format(store.DayLayout)
	}
	if !to.IsZero() {
		v.To = to.Format(store.DayLayout)
	}
	return c.JSON(v)
}

func (a *API) channelStats(c *fiber.Ctx) error {
	id := c.Params("id")
	if _, err := a.channel(id); err != nil {
		return err
	}
	return a.stats(c, id)
}

func (a *API) allStats(c *fiber.Ctx) error { return a.stats(c, "") }
