package dialplan

import "testing"

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, exten string
		want           bool
	}{
		{"_[0-9a-zA-Z]!", "wa-447700900001", true},
		{"_[0-9a-zA-Z]!", "+447700900001", false},
		{"_X.", "wa-447700900001", false},
		{"_X.", "1001", true},
		{"_X.", "1", false},
		{"_.", "wa-447700900001", true},
		{"_!", "", true},
		{"_1XXX", "1001", true},
		{"_1XXX", "10011", false},
		{"_NXX", "199", false},
		{"_ZXX", "099", false},
		{"_wa-X.", "wa-447700900001", true},
		{"_wa-X./1001", "wa-447700900001", true},
		{"wa-447700900001", "wa-447700900001", true},
		{"wa447700900001", "wa-447700900001", true},
		{"1001", "wa-447700900001", false},
		{"_[a-c]a", "wa", false},
		{"_[vw]a!", "wa-1", true},
		{"_[0-9", "1", false},
	} {
		t.Run(tc.pattern+"~"+tc.exten, func(t *testing.T) {
			if got := Match(tc.pattern, tc.exten); got != tc.want {
				t.Fatalf("Match(%q, %q) = %v", tc.pattern, tc.exten, got)
			}
		})
	}
}
