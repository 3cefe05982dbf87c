package web

import (
	"fmt"
	"time"
)

// localDay returns the date of t in loc, as a midnight UTC (the form
// store.SumCounts takes).
func localDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// zoneName describes loc for people: its IANA name when it has one, with
// its abbreviation and offset from UTC at t.
func zoneName(loc *time.Location, t time.Time) string {
	abbr, off := t.In(loc).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	desc := fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
	if abbr != "" && abbr[0] != '+' && abbr[0] != '-' && abbr != "UTC" {
		desc = abbr + ", " + desc
	}
	if loc.String() == "Local" { // time.Local: the system did not name it
		return desc
	}
	if loc.String() == "UTC" {
		return "UTC"
	}
	return loc.String() + " (" + desc + ")"
}
