package graphemu

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestSign(t *testing.T) {
	got := Sign("key", []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestEncodeMeta(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"plain", `"plain"`},
		{"João", `"Jo\u00e3o"`},
		{"€", `"\u20ac"`},
		{"😀", `"\ud83d\ude00"`},
		{"<a&b>", `"<a&b>"`},
		{"quote\"\n", `"quote\"\n"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := encodeMeta(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("encodeMeta(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzEncodeMeta(f *testing.F) {
	for _, s := range []string{"", "hi", "João", "😀 ok", "\u2028", "a\x00b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := encodeMeta(map[string]string{"k": s})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range b {
			if c >= utf8.RuneSelf {
				t.Fatalf("non-ASCII byte in %q", b)
			}
		}
		var back map[string]string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("decoding %s: %v", b, err)
		}
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // encoding/json replaces invalid bytes with U+FFFD
		}
		if back["k"] != want {
			t.Fatalf("round trip %q -> %s -> %q", s, b, back["k"])
		}
	})
}
