package menus

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // business hours name time zones; PBX images may lack tzdata

	"github.com/wachan/wachan/store"
)

// Days are the keys of BusinessHours.Weekly, Sunday first like
// time.Weekday.
var Days = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// span is an opening span in minutes after midnight.
type span struct{ from, to int }

// parseSpan reads "09:00-17:30".
func parseSpan(s string) (span, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return span{}, fmt.Errorf("opening span %q is not HH:MM-HH:MM", s)
	}
	from, err1 := parseClock(a)
	to, err2 := parseClock(b)
	switch {
	case err1 != nil:
		return span{}, err1
	case err2 != nil:
		return span{}, err2
	case from >= to:
		return span{}, fmt.Errorf("opening span %q ends before it starts", s)
	}
	return span{from, to}, nil
}

func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// CheckHours reports what is wrong with h, naming the field.
func CheckHours(h *store.BusinessHours) (field string, err error) {
	if _, err := time.LoadLocation(h.TimeZone); err != nil || h.TimeZone == "" {
		return "business_hours.time_zone", fmt.Errorf("time zone %q is not an IANA name such as Europe/London", h.TimeZone)
	}
	for day, spans := range h.Weekly {
		if !contains(Days, day) {
			return "business_hours.weekly", fmt.Errorf("day %q is not one of %s", day, strings.Join(Days, ", "))
		}
		for _, s := range spans {
			if _, err := parseSpan(s); err != nil {
				return "business_hours.weekly." + day, err
			}
		}
	}
	for _, d := range h.Holidays {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			return "business_hours.holidays", fmt.Errorf("holiday %q is not YYYY-MM-DD", d)
		}
	}
	if strings.TrimSpace(h.Text) == "" && h.Template == nil {
		return "business_hours.text", fmt.Errorf("the out-of-hours answer needs a text or a template")
	}
	return "", nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// IsOpen reports whether h has the business open at now: not a holiday
// and inside one of the day's spans, in h's time zone.
func IsOpen(h *store.BusinessHours, now time.Time) (bool, error) {
	loc, err := time.LoadLocation(h.TimeZone)
	if err != nil {
		return false, fmt.Errorf("loading time zone: %w", err)
	}
	local := now.In(loc)
	if contains(h.Holidays, local.Format("2006-01-02")) {
		return false, nil
	}
	minute := local.Hour()*60 + local.Minute()
	for _, s := range h.Weekly[Days[local.Weekday()]] {
		sp, err := parseSpan(s)
		if err != nil {
			return false, err
		}
		if minute >= sp.from && minute < sp.to {
			return true, nil
		}
	}
	return false, nil
}
