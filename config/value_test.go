package config

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"100MB", 100_000_000, true},
		{"5MiB", 5 << 20, true},
		{"5 mib", 5 << 20, true},
		{"2048", 2048, true},
		{"2048B", 2048, true},
		{"10kb", 10_000, true},
		{"1KiB", 1024, true},
		{"2GB", 2_000_000_000, true},
		{"1GiB", 1 << 30, true},
		{" 7MB ", 7_000_000, true},
		{"0", 0, true},
		{"", 0, false},
		{"MB", 0, false},
		{"-1", 0, false},
		{"1.5MB", 0, false},
		{"5XB", 0, false},
		{"5 M", 0, false},
		{"99999999999999999999", 0, false},
		{"9223372036854775807GiB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	sizes := map[int64]string{
		100_000_000: "100MB", 5 << 20: "5MiB", 1024: "1KiB", 1000: "1kB", 1: "1", 1 << 30: "1GiB",
		1023: "1023", 0: "0", 2_048_000: "2000KiB",
	}
	for n, want := range sizes {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
	durations := map[time.Duration]string{
		24 * time.Hour: "24h", 90 * time.Minute: "1h30m", time.Minute: "1m", 2 * time.Second: "2s",
		0: "0s", time.Hour + 5*time.Second: "1h0m5s", 1500 * time.Millisecond: "1.5s",
	}
	for d, want := range durations {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(want); err != nil || back != d {
			t.Errorf("%q parses as %v, %v", want, back, err)
		}
	}
}

func TestTOMLString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnl\ncr\r", "ctl\x01\x7f", "ünï©ødé"} {
		var v struct{ K string }
		if _, err := toml.Decode("K = "+tomlString(s), &v); err != nil || v.K != s {
			t.Errorf("tomlString(%q) = %s decodes as %q, %v", s, tomlString(s), v.K, err)
		}
	}
}

func TestKeyLine(t *testing.T) {
	data := []byte("# listen = 1\n\n  listen = \"x\"\n[ari]\n\"quoted\" = 1\nsub.key = 2\nlistening = 3\n")
	tests := map[string]int{"listen": 3, "ari": 4, "quoted": 5, "sub": 6, "listening": 7, "absent": 0}
	for key, want := range tests {
		if got := keyLine(data, key); got != want {
			t.Errorf("keyLine(%q) = %d, want %d", key, got, want)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"100MB", "5MiB", "2048", "1 kB", "", "x", "9223372036854775807", "1GiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("parseSize(%q) = %d", s, n)
		}
		back, err := parseSize(formatSize(n))
		if err != nil || back != n {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, n, formatSize(n), back, err)
		}
		if strings.TrimSpace(s) == "" {
			t.Fatalf("parseSize accepted blank %q", s)
		}
	})
}
