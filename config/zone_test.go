package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLocation(t *testing.T) {
	c := Default()
	c.TimeZone = "Asia/Kolkata"
	loc, err := c.Location()
	if err != nil || loc.String() != "Asia/Kolkata" {
		t.Fatalf("time_zone Asia/Kolkata = %v, %v", loc, err)
	}
	// Every name of UTC is UTC itself (no day sums by quarter hour).
	for _, name := range []string{"UTC", "Etc/UTC", "Zulu"} {
		c.TimeZone = name
		if loc, err := c.Location(); err != nil || loc != time.UTC {
			t.Fatalf("time_zone %s = %v, %v; want time.UTC", name, loc, err)
		}
	}
}

func TestSystemZone(t *testing.T) {
	// Debian names the zone in /etc/timezone and links /etc/localtime.
	named := t.TempDir()
	if err := os.WriteFile(filepath.Join(named, "timezone"), []byte("America/Sao_Paulo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	linked := t.TempDir()
	if err := os.Symlink("/usr/share/zoneinfo/Europe/Madrid", filepath.Join(linked, "localtime")); err != nil {
		t.Fatal(err)
	}
	bogus := t.TempDir()
	if err := os.WriteFile(filepath.Join(bogus, "timezone"), []byte("Nowhere/Special\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, etc, tz string
		setTZ         bool
		want          string
	}{
		{"/etc/timezone", named, "", false, "America/Sao_Paulo"},
		{"/etc/localtime link", linked, "", false, "Europe/Madrid"},
		{"TZ wins", named, ":Asia/Tokyo", true, "Asia/Tokyo"},
		{"Etc/UTC is UTC", t.TempDir(), "Etc/UTC", true, "UTC"},
		{"unknown name", bogus, "", false, time.Local.String()},
		{"nothing", t.TempDir(), "", false, time.Local.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setTZ {
				t.Setenv("TZ", tt.tz)
			} else if old, ok := os.LookupEnv("TZ"); ok {
				t.Setenv("TZ", old) // restored after the test
				os.Unsetenv("TZ")
			}
			if got := systemZone(tt.etc).String(); got != tt.want {
				t.Fatalf("zone = %q, want %q", got, tt.want)
			}
		})
	}
}
