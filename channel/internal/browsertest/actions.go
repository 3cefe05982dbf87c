package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Run runs actions in the tab ctx and fails the test, naming the page,
// when one fails or they take longer than 30 s.
func Run(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(actx, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser at %s: %v", loc, err)
	}
}

// Get runs one action that returns a value in the tab ctx, as Run does.
func Get[T any](t testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(actx, a)
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser at %s: %v", loc, err)
	}
	return v
}

// Wait waits, for at most a minute, until the JavaScript expression js is
// true in the page of the tab ctx, checking it every 20 ms (a condition
// need not change the DOM: an image loaded, a variable set); what names
// the condition when it never comes.
func Wait(t testing.TB, ctx context.Context, what, js string) {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err := chromedp.Run(actx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser at %s: never %s (%s): %v", loc, what, js, err)
	}
}

// Load runs actions that load another page in the tab ctx, such as a click
// on a submit button, and waits until it has loaded; the test fails if
// that page is an HTTP error.
func Load(t testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(actx, actions...)
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("browser at %s: %v", loc, err)
	}
	if resp.Status >= 400 {
		t.Fatalf("browser loaded %s: %d %s", resp.URL, resp.Status, resp.StatusText)
	}
}
