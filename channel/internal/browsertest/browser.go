package browsertest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Browser is a headless Chromium with every console error and warning,
// uncaught exception and dialog of its watched tabs recorded.
type Browser struct {
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

// Start starts Chromium with one 1280×900 tab, watched, and stops it when
// the test ends; everything it does must finish within four minutes.
// Without Chromium, or when it does not start, the test ends as
// Unavailable says.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := Chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// Generous: CI runs other packages' tests on the same two cores.
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	// Start the browser here, once: a failed start must fail the test,
	// not be retried behind the next action's back.
	if err := chromedp.Do(ctx); err != nil {
		Unavailable(t, "starting %s: %v", path, err)
	}
	b := &Browser{ctx: ctx}
	b.watch(ctx)
	return b
}

// Tab returns the context of the first tab.
func (b *Browser) Tab() context.Context { return b.ctx }

// NewTab opens another tab, watched like the first, and closes it when the
// test ends.
func (b *Browser) NewTab(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	b.watch(ctx)
	return ctx
}

// watch records the console errors, warnings, exceptions and dialogs of
// the tab ctx, and dismisses the dialogs.
func (b *Browser) watch(ctx context.Context) {
	console := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			// Network entries are the tests' deliberate 4xx answers;
			// anything else (CSP violations, script errors) is a fault
			// of the pages.
			switch {
			case m.Source == "network":
			case m.Type == chromedp.ConsoleError, m.Type == chromedp.ConsoleWarning, m.Type == chromedp.ConsoleException:
				b.record(fmt.Sprintf("%s %s:%d: %s", m.Type, m.URL, m.Line, m.Text))
			}
		}
	}()
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.record("dialog: " + ev.Message)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
}

func (b *Browser) record(s string) {
	b.mu.Lock()
	b.errs = append(b.errs, s)
	b.mu.Unlock()
}

// NoErrors fails the test if any watched tab logged an error so far.
func (b *Browser) NoErrors(t testing.TB) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errs) > 0 {
		t.Fatalf("browser console errors:\n%s", strings.Join(b.errs, "\n"))
	}
}
