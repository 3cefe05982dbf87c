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
		return time.LoadLocation(c.TimeZone)
	}
	return systemZone("/etc"), nil
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
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.Local
}
