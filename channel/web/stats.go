package web

import (
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

const chartH = 120

func (w *Web) stats(c *fiber.Ctx) error {
	p := &statsPage{Channel: c.Query("channel"), Range: c.Query("range"), From: c.Query("from"), To: c.Query("to")}
	if p.Range == "" {
		p.Range = "last7"
		if p.From != "" || p.To != "" {
			p.Range = "custom"
		}
	}
	q := url.Values{}
	if p.Range == "custom" {
		p.Range = "custom"
		q.Set("from", p.From)
		q.Set("to", p.To)
	} else {
		q.Set("range", p.Range)
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
	var from time.Time
	to := time.Now().UTC().Truncate(24 * time.Hour)
	if t, err := time.Parse(store.DayLayout, out.To); err == nil {
		to = t
	}
	if t, err := time.Parse(store.DayLayout, out.From); err == nil {
		from = t
	} else {
		from = to.AddDate(0, 0, -29)
	}
	// The chart shows at least two weeks, so one day has context.
	if to.Sub(from) < 13*24*time.Hour {
		from = to.AddDate(0, 0, -13)
	}
	if to.Sub(from) > 92*24*time.Hour {
		from = to.AddDate(0, 0, -92)
	}
	err := w.st.View(func(tx *store.Tx) error {
		chs, err := tx.Channels()
		if err != nil {
			return err
		}
		p.Channels = chs
		daily := map[string]store.Counts{}
		for _, ch := range chs {
			if p.Channel != "" && ch.ID != p.Channel {
				continue
			}
			days, err := tx.DailyCounts(ch.ID, from, to)
			if err != nil {
				return err
			}
			for d, n := range days {
				sum := daily[d]
				sum.Add(n)
				daily[d] = sum
			}
			if p.Channel == "" && p.Error == "" {
				var f, t time.Time
				if out.From != "" {
					f, _ = time.Parse(store.DayLayout, out.From)
				}
				if out.To != "" {
					t, _ = time.Parse(store.DayLayout, out.To)
				}
				n, err := tx.SumCounts(ch.ID, f, t)
				if err != nil {
					return err
				}
				p.PerChannel = append(p.PerChannel, channelCounts{Channel: ch, Counts: n})
			}
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
	barW := min(48, max(10, 720/max(1, len(p.Days))))
	p.ChartW, p.BarW = len(p.Days)*barW, barW/2-1
	for i := range p.Days {
		b := &p.Days[i]
		b.X = i * barW
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
