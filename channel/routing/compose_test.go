package routing

import (
	"strings"
	"testing"
)

func TestChoices(t *testing.T) {
	tests := []struct {
		in, question, opts string
	}{
		{"Yes | No | Later", defaultQuestion, "Yes,No,Later"},
		{"Shall we deliver tomorrow? Yes | No | Later", "Shall we deliver tomorrow?", "Yes,No,Later"},
		{"Pick one: Sales|Support", "Pick one:", "Sales,Support"},
		{"Deliver? | Yes | No", "Deliver?", "Yes,No"},
		{"Why? Because? A | B", "Why? Because?", "A,B"},
		{" | | ", defaultQuestion, ""},
		{"", defaultQuestion, ""},
	}
	for _, tt := range tests {
		q, opts := choices(tt.in)
		if q != tt.question || strings.Join(opts, ",") != tt.opts {
			t.Errorf("choices(%q) = %q %q, want %q %q", tt.in, q, opts, tt.question, tt.opts)
		}
	}
}
