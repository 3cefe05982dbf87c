package web

import (
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// statsPage is the statistics page.
type statsPage struct {
	Channels []*store.Channel
	Channel  string
	Range    string
	From, To string
	Error    string
	Total    store.Counts
	// PerChannel is shown for the overall view.
	PerChannel []channelCounts
	Days       []dayBar
	Max        int64
	ChartW     int
	// BarW is the width of one of a day's two bars.
	BarW int
	// Last is the chart's last day.
	Last string
	// YMax and YMid label the y-axis.
	YMax, YMid int64
	// Note says when the chart shows less than the period.
	Note string
	// TZ is the zone chosen: "" for the PBX's, or "UTC".
	TZ string
	// Local names the PBX's zone; Zone names the one shown.
	Local, Zone string
	// ByUTCDay says until when counts are known per UTC day only.
	ByUTCDay string
}

type channelCounts struct {
	Channel *store.Channel
	Counts  store.Counts
}

// dayBar is one day of the chart, with SVG coordinates precomputed.
type dayBar struct {
	Day        string
	Counts     store.Counts
	X, OutX    int
	InY, InH   int
	OutY, OutH int
}

const (
	chartH = 120
	// chartLeft is the room for the y-axis labels.
	chartLeft = 44
	// chartW is the width of the plot area.
	chartW = 1000
	// maxChartDays is the longest period the chart draws day by day.
	maxChartDays = 366
)

// reversedRange explains a custom range that ends before it starts.
func reversedRange(p *statsPage) string {
	if p.Range != "custom" {
		return ""
	}
	from, ferr := time.Parse(store.DayLayout, p.From)
	to, terr := time.Parse(store.DayLayout, p.To)
	if ferr != nil || terr != nil || !to.Before(from) {
		return ""
	}
	return fmt.Sprintf("The custom range ends before it starts: From (%s) is after To (%s). Swap the two dates.", p.From, p.To)
}

func (w *Web) stats(c *fiber.Ctx) error {
	p := &statsPage{Channel: c.Query("channel"), Range: c.Query("range"), From: c.Query("from"), To: c.Query("to")}
	// Days are calendar days, as the API counts them: the wall clock, not
	// the conversation clock (Options.Now).
	now := time.Now()
	loc := w.opts.Location
	p.Local = zoneName(loc, now)
	if c.Query("tz") == "UTC" {
		p.TZ, loc = "UTC", time.UTC
	}
	p.Zone = zoneName(loc, now)
	if p.Range == "" {
		p.Range = "last7"
		if p.From != "" || p.To != "" {
			p.Range = "custom"
		}
	}
	q := url.Values{}
	if p.TZ != "" {
		q.Set("tz", p.TZ)
	}
	if p.Range == "custom" {
		p.Range = "custom"
		q.Set("from", p.From)
		q.Set("to", p.To)
	} else {
		q.Set("range", p.Range)
	}
	if msg := reversedRange(p); msg != "" {
		p.Error = msg
		if err := w.st.View(func(tx *store.Tx) (err error) { p.Channels, err = tx.Channels(); return }); err != nil {
			return err
		}
		return w.render(c, fiber.StatusOK, "stats", &view{Title: "Statistics", Nav: "stats", Data: p})
	}
	path := "/api/v1/stats?"
	if p.Channel != "" {
		path = "/api/v1/channels/" + url.PathEscape(p.Channel) + "/stats?"
	}
	var out struct {
		From, To string
		store.Counts
	}
	if e := w.call("GET", path+q.Encode(), nil, &out); e != nil {
		p.Error = e.Message
	}
	p.Total = out.Counts
	// The chart spans the chosen period: from its first day (for all
	// time, the first day with messages) to its last.
	to := localDay(now, loc)
	if t, err := time.Parse(store.DayLayout, out.To); err == nil {
		to = t
	}
	var from time.Time
	if t, err := time.Parse(store.DayLayout, out.From); err == nil {
		from = t
	}
	err := w.st.View(func(tx *store.Tx) error {
		chs, err := tx.Channels()
		if err != nil {
			return err
		}
		p.Channels = chs
		if p.Error != "" {
			return nil
		}
		daily := map[string]store.Counts{}
		for _, ch := range chs {
			if p.Channel != "" && ch.ID != p.Channel {
				continue
			}
			days, err := tx.DailyCounts(ch.ID, from, to, loc)
			if err != nil {
				return err
			}
			var total store.Counts
			for d, n := range days {
				sum := daily[d]
				sum.Add(n)
				daily[d] = sum
				total.Add(n)
			}
			if p.Channel == "" {
				p.PerChannel = append(p.PerChannel, channelCounts{Channel: ch, Counts: total})
			}
		}
		if until := tx.CountsByUTCDayUntil(); until != "" && loc != time.UTC && (from.IsZero() || from.Format(store.DayLayout) <= until) {
			p.ByUTCDay = until
		}
		if from.IsZero() {
			from = to
			for d := range daily {
				if t, err := time.Parse(store.DayLayout, d); err == nil && t.Before(from) {
					from = t
				}
			}
		}
		if to.Sub(from) >= maxChartDays*24*time.Hour {
			from = to.AddDate(0, 0, -(maxChartDays - 1))
			p.Note = fmt.Sprintf("The chart shows the period's last %d days.", maxChartDays)
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			key := d.Format(store.DayLayout)
			n := daily[key]
			p.Days = append(p.Days, dayBar{Day: key, Counts: n})
			p.Max = max(p.Max, n.Received, n.Sent)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The days share the chart's width whatever the period, each day's
	// two bars centred in its slot.
	slot := max(2, chartW/max(1, len(p.Days)))
	p.BarW = max(1, min(24, slot*2/5))
	p.ChartW = chartLeft + max(chartW, len(p.Days)*slot)
	p.YMax, p.YMid = p.Max, p.Max/2
	for i := range p.Days {
		b := &p.Days[i]
		b.X = chartLeft + i*slot + (slot-2*p.BarW)/2
		if p.Max > 0 {
			b.InH = int(b.Counts.Received * chartH / p.Max)
			b.OutH = int(b.Counts.Sent * chartH / p.Max)
		}
		b.InY, b.OutY = chartH-b.InH, chartH-b.OutH
		b.OutX = b.X + p.BarW
		p.Last = b.Day
	}
	return w.render(c, fiber.StatusOK, "stats", &view{Title: "Statistics", Nav: "stats", Data: p})
}
