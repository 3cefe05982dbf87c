package recent

import "testing"

func TestSetEvicts(t *testing.T) {
	r := New[string](2)
	for _, s := range []string{"a", "b", "c"} {
		if r.Seen(s) {
			t.Fatalf("%s reported as seen", s)
		}
	}
	if !r.Seen("c") || !r.Seen("b") {
		t.Fatal("recent keys forgotten")
	}
	if r.Seen("a") {
		t.Fatal("evicted key still remembered")
	}
}
