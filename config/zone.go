package config

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Location returns the time zone of the statistics' days: time_zone, or the
// system's local zone, named when the system says which it is (TZ,
// /etc/timezone or the /etc/localtime link), else time.Local.
func (c *Config) Location() (*time.Location, error) {
	if c.TimeZone != "" {
		return loadZone(c.TimeZone)
	}
	return systemZone("/etc"), nil
}

// utcNames are the zone database's names of UTC itself.
var utcNames = map[string]bool{
	"UTC": true, "Etc/UTC": true, "UCT": true, "Etc/UCT": true, "Universal": true, "Etc/Universal": true,
	"Zulu": true, "Etc/Zulu": true, "GMT": true, "Etc/GMT": true, "GMT0": true, "Etc/GMT0": true,
	"GMT+0": true, "Etc/GMT+0": true, "GMT-0": true, "Etc/GMT-0": true, "Greenwich": true, "Etc/Greenwich": true,
}

// loadZone is time.LoadLocation answering time.UTC for every name of UTC, as
// Debian's default Etc/UTC.
func loadZone(name string) (*time.Location, error) {
	if utcNames[name] {
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}

// systemZone returns the system's local zone under its IANA name when etc
// (normally /etc) or TZ names one, else time.Local.
func systemZone(etc string) *time.Location {
	var names []string
	if tz, ok := os.LookupEnv("TZ"); ok {
		names = append(names, strings.TrimPrefix(tz, ":"))
	} else {
		if b, err := os.ReadFile(filepath.Join(etc, "timezone")); err == nil {
			names = append(names, strings.TrimSpace(string(b)))
		}
		if link, err := os.Readlink(filepath.Join(etc, "localtime")); err == nil {
			if _, name, ok := strings.Cut(link, "zoneinfo/"); ok {
				names = append(names, name)
			}
		}
	}
	for _, name := range names {
		if name == "" || strings.HasPrefix(name, "/") {
			continue
		}
		if loc, err := loadZone(name); err == nil {
			return loc
		}
	}
	return time.Local
}
