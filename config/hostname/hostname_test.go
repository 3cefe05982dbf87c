package hostname_test

import (
	"strings"
	"testing"

	"github.com/wachan/wachan/config/hostname"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"pbx.example.com", true},
		{"PBX.Example.COM", true},
		{"pbx.example.com.", true},
		{"xn--bcher-kva.example", true},
		{"a-b.c1.example.org", true},
		{"", false},
		{"203.0.113.7", false},
		{"::1", false},
		{"[2001:db8::1]", false},
		{"localhost", false},
		{"pbx.localhost", false},
		{"pbx", false},
		{"pbx_1.example.com", false},
		{"*.example.com", false},
		{"-pbx.example.com", false},
		{"pbx..example.com", false},
		{"pbx.example.com:443", false},
		{"bücher.example", false},
		{"1.2.3.4.5", false},
		{strings.Repeat("a", 64) + ".example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := hostname.Check(tt.name)
			if (err == nil) != tt.ok {
				t.Errorf("Check(%q) = %v, want ok %v", tt.name, err, tt.ok)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{"pbx.example.com", "localhost", "10.0.0.1", "a_b.example", "x", "A.B."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if hostname.Check(name) != nil {
			return
		}
		n := strings.ToLower(strings.TrimSuffix(name, "."))
		if !strings.Contains(n, ".") || strings.ContainsAny(n, "_*: /") || n == "localhost" {
			t.Errorf("Check accepted %q", name)
		}
	})
}
