package routing

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wachan/wachan/store"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		max   int
		parts int
	}{
		{"fits", "hello", 100, 1},
		{"exactly max", strings.Repeat("a", 100), 100, 1},
		{"one over", strings.Repeat("a", 101), 100, 2},
		{"emoji on the boundary", strings.Repeat("👋", 100), 100, 5},
		{"many parts", strings.Repeat("ab ", 2000), 100, 67},
		{"mixed scripts", strings.Repeat("Grüße 你好 ", 300), 1000, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.body, tt.max)
			if len(got) != tt.parts {
				t.Fatalf("%d parts, want %d", len(got), tt.parts)
			}
			checkParts(t, tt.body, tt.max, got)
		})
	}
}

func checkParts(t *testing.T, body string, max int, parts []string) {
	t.Helper()
	if len(parts) == 1 {
		if parts[0] != body {
			t.Fatalf("single part changed the body")
		}
		return
	}
	var b strings.Builder
	for i, p := range parts {
		if len(p) > max {
			t.Fatalf("part %d is %d bytes, max %d", i, len(p), max)
		}
		if !utf8.ValidString(p) && utf8.ValidString(body) {
			t.Fatalf("part %d is not valid UTF-8", i)
		}
		prefix := "(" + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(parts)) + ") "
		if !strings.HasPrefix(p, prefix) {
			t.Fatalf("part %d = %q, want prefix %q", i, p[:min(len(p), 12)], prefix)
		}
		b.WriteString(strings.TrimPrefix(p, prefix))
	}
	if b.String() != body {
		t.Fatalf("parts do not rebuild the body")
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("hello world", 16)
	f.Add(strings.Repeat("👋 Grüße ", 50), 40)
	f.Fuzz(func(t *testing.T, body string, max int) {
		if max < 16 || max > 2000 || !utf8.ValidString(body) {
			return
		}
		parts := Split(body, max)
		if len(parts) == 1 {
			if parts[0] != body {
				t.Fatal("single part changed the body")
			}
			return
		}
		var b strings.Builder
		for i, p := range parts {
			if len(p) > max || !utf8.ValidString(p) {
				t.Fatalf("part %d bad: %d bytes", i, len(p))
			}
			_, rest, ok := strings.Cut(p, ") ")
			if !ok {
				t.Fatalf("part %d has no number", i)
			}
			b.WriteString(rest)
		}
		if b.String() != body {
			t.Fatal("parts do not rebuild the body")
		}
	})
}

func TestDisplayName(t *testing.T) {
	tests := []struct {
		c    store.Customer
		want string
	}{
		{store.Customer{Name: "Ann Smith", WaID: "447700900001"}, "Ann Smith"},
		{store.Customer{Name: "Ann \"The\" <Boss>\r\nX-Evil: 1", WaID: "1"}, "Ann The BossX-Evil: 1"},
		{store.Customer{WaID: "447700900001"}, "+447700900001"},
		{store.Customer{UserID: "US.1", Username: "ann_s"}, "ann_s"},
		{store.Customer{UserID: "US.1"}, "Customer"},
		{store.Customer{Name: "\\\\\"\"", WaID: "44"}, "+44"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := displayName(&tt.c); got != tt.want {
				t.Fatalf("displayName = %q, want %q", got, tt.want)
			}
		})
	}
}
