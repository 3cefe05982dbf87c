package web

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestPresence follows one extension through sign-in, pages opening and
// closing, the grace period and sign-out, checking what the router is told.
func TestPresence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu  sync.Mutex
			got []string
		)
		p := newPresence(func(ext string, on bool) {
			mu.Lock()
			got = append(got, fmt.Sprintf("%s %v", ext, on))
			mu.Unlock()
		}, presenceGrace)
		expect := func(step string, want ...string) {
			t.Helper()
			synctest.Wait()
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, want) {
				t.Fatalf("%s: reports %q, want %q", step, got, want)
			}
			got = nil
		}

		// A sign-in makes 1001 present for the grace period only.
		p.seen("1001")
		expect("sign-in", "1001 true")
		time.Sleep(presenceGrace - time.Second)
		expect("within the grace period")
		time.Sleep(2 * time.Second)
		expect("grace period over", "1001 false")

		// An open page keeps it present however long it stays open; moving
		// from one page to the next does not flap.
		p.open("1001")
		expect("page open", "1001 true")
		time.Sleep(time.Hour)
		p.open("1001")
		p.close("1001")
		time.Sleep(presenceGrace * 2)
		expect("still one page open")
		p.close("1001")
		time.Sleep(presenceGrace / 2)
		p.open("1001")
		expect("reload within the grace period")

		// Signing out leaves it present while a page is still open; with
		// none open, signing out ends it at once.
		p.signedOut("1001")
		expect("signed out with a page open")
		p.close("1001")
		p.signedOut("1001")
		expect("signed out, no page", "1001 false")

		// Extensions are independent.
		p.open("1002")
		p.seen("1003")
		expect("two agents", "1002 true", "1003 true")
		time.Sleep(presenceGrace + time.Second)
		expect("1003's grace over", "1003 false")
	})
}
