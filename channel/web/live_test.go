package web

import "testing"

func TestLiveAdmit(t *testing.T) {
	h := newHub(nil, 2, 3, 0)
	var releases []func()
	for _, login := range []string{"a", "a", "b"} {
		r, ok := h.admit(login)
		if !ok {
			t.Fatalf("admit %s refused", login)
		}
		releases = append(releases, r)
	}
	if _, ok := h.admit("a"); ok {
		t.Fatal("third stream of a admitted")
	}
	if _, ok := h.admit("c"); ok {
		t.Fatal("fourth stream in all admitted")
	}
	releases[0]()
	releases[0]() // once only
	if n, _, _ := h.stats(); n != 2 {
		t.Fatalf("%d streams after one release", n)
	}
	if _, ok := h.admit("c"); !ok {
		t.Fatal("a freed place refused")
	}
	if _, ok := h.admit("a"); ok {
		t.Fatal("admitted beyond the total")
	}
}
