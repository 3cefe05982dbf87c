package daemon

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wachan/wachan/channel/internal/browsertest"
)

// updateScreenshots rewrites docs/screenshots (also set by
// WACHAN_UPDATE_SCREENSHOTS=1); without it the pages are still drawn and
// checked, their pictures kept under artifacts/.
var updateScreenshots = flag.Bool("update-screenshots", false, "rewrite docs/screenshots from the browser test")

// docShot checks that sel is visible on the current page at 1280 and 420
// px wide, that nothing sticks out sideways and every control has a
// label, and saves the page as name-1280.png and name-420.png.
func (b *browser) docShot(name, sel string) {
	b.t.Helper()
	dir := filepath.Join("..", "..", "artifacts", "screenshots", "docs")
	if *updateScreenshots || os.Getenv("WACHAN_UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	for _, width := range []int64{1280, 420} {
		b.run(chromedp.EmulateViewport(width, 900), chromedp.WaitVisible(chromedp.CSS(sel)))
		wide := get(b, chromedp.Evaluate[string](`(() => {
			const w = document.documentElement.clientWidth;
			return [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > w + 1)
				.map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className).slice(0, 5).join(", ");
		})()`))
		if wide != "" {
			b.t.Errorf("%s at %d px: elements wider than the page: %s", name, width, wide)
		}
		unlabelled := get(b, chromedp.Evaluate[string](`[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
			.filter(e => !e.hidden && !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !(e.tagName === "BUTTON" && e.textContent.trim()))
			.map(e => e.tagName + "#" + e.id).join(", ")`))
		if unlabelled != "" {
			b.t.Errorf("%s: controls without a label: %s", name, unlabelled)
		}
		shot := get(b, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, name+"-"+strconv.FormatInt(width, 10)+".png"), shot, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.run(chromedp.EmulateViewport(1280, 900))
}

// waitEval waits until the expression js is true on the current page.
func (b *browser) waitEval(what, js string) {
	b.t.Helper()
	browsertest.Wait(b.t, b.ctx, what, js)
}

// TestPanelScreenshots drives the panel pages fixed after the first-hour
// walkthrough in Chromium and saves each at 1280 and 420 px: the queue
// page (members the PBX does not have refused, presence), a campaign
// created from a CSV file with its preview, and the agent console (unread
// badge, an image message, opt-in alerts for new conversations, a reply
// waiting for another attempt).
func TestPanelScreenshots(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "queue", "id": "sales"})
	p.register("1001")
	p.syncTemplate()
	b := newBrowser(t)
	base := p.base

	b.run(chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), adminToken),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/channels/new"]`)))
	b.run(chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("#u-name")),
		chromedp.SendKeys(chromedp.CSS("#u-name"), "1001"), chromedp.SendKeys(chromedp.CSS("#u-password"), "agent-pass-1001"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#users")))

	// Queue members the PBX does not have are refused; presence shows.
	b.run(chromedp.Navigate(base+"/admin/queues/new"), chromedp.WaitVisible(chromedp.CSS("#members")),
		chromedp.SendKeys(chromedp.CSS("#name"), "sales"), chromedp.SendKeys(chromedp.CSS("#members"), "1001, abc, 9999"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/queues/new"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".field-error")))
	if got := b.text(".field-error"); !strings.Contains(got, "the PBX has no extensions abc, 9999") {
		t.Fatalf("members error = %q", got)
	}
	b.docShot("queue-members-refused", ".field-error")
	b.run(chromedp.SetValue(chromedp.CSS("#members"), "1001, 1002"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/queues/new"] button[type=submit]`)))
	b.waitContains(".flash", "Queue sales saved")
	b.run(chromedp.Navigate(base+"/admin/queues"), chromedp.WaitVisible(chromedp.CSS("ul.members")))
	if got := b.text("ul.members"); !strings.Contains(got, "1001 present: phone") || !strings.Contains(got, "1002 away") {
		t.Fatalf("presence = %q", got)
	}
	b.docShot("queues", "ul.members")
	b.run(chromedp.Navigate(base+"/admin/queues/sales"), chromedp.WaitVisible(chromedp.CSS("#member-presence")))
	if got := b.text("#member-presence"); !strings.Contains(got, "1001 present: phone") {
		t.Fatalf("queue page presence = %q", got)
	}
	b.docShot("queue", "#member-presence")

	// A campaign from a CSV file: its preview, then start.
	csv := filepath.Join(t.TempDir(), "customers.csv")
	if err := os.WriteFile(csv, []byte("to,1\n+447911123458,Ann\n+447911123459,Bo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.run(chromedp.Navigate(base+"/admin/campaigns/new"), chromedp.WaitVisible(chromedp.CSS("#c-template")),
		chromedp.SendKeys(chromedp.CSS("#c-name"), "Order follow-up"),
		chromedp.SetValue(chromedp.CSS("#c-template"), p.ch+"|follow_up|en_US"),
		chromedp.SetUploadFiles(chromedp.CSS("#c-file"), []string{csv}))
	b.docShot("campaign-new", "#c-file")
	b.run(chromedp.Click(chromedp.CSS("#c-create")), chromedp.WaitVisible(chromedp.CSS("#preview")))
	if got := b.text("#preview"); !strings.Contains(got, "Hello Ann, any news on your order?") || !strings.Contains(got, "Hello Bo, any news on your order?") {
		t.Fatalf("preview = %q", got)
	}
	b.docShot("campaign-preview", "#preview")
	b.run(chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action$="/start"]').removeAttribute("data-confirm")`),
		chromedp.Click(chromedp.CSS("#c-start")))
	b.waitContains(".flash", "Campaign started.")
	b.waitText(base+"/admin/campaigns", "#campaigns td.progress", "2/2")
	b.docShot("campaigns", "#campaigns progress")

	// The console: alerts switched on (remembered), a new conversation
	// raises one notification.
	b.run(chromedp.Navigate(base+"/agent/"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#name"), "1001"), chromedp.SendKeys(chromedp.CSS("#password"), "agent-pass-1001"),
		chromedp.Click(chromedp.CSS(`form[action="/agent/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#alerts")), chromedp.Click(chromedp.CSS("#alerts")))
	b.run(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#alerts[aria-pressed="true"]`)))
	// Notifications as the page sees them with permission granted.
	b.run(chromedp.Evaluate[chromedp.Void](`window.shown = [];
		window.Notification = function (title, opts) { window.shown.push(title + ": " + opts.body); };
		window.Notification.permission = "granted";`))
	// The daemon's clock catches up with the emulator's, so the timeline
	// drawn below is in the order things happened.
	p.clock.Add(time.Since(p.clock.Now()))
	p.customerSays(customer, "Ann", "Is my order on its way?")
	b.run(chromedp.WaitVisible(chromedp.CSS("#inbox a.conv")))
	b.waitEval("a notification for the new conversation", `window.shown.length === 1`)
	var pngBuf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: 120, B: uint8(y * 5), A: 255})
		}
	}
	png.Encode(&pngBuf, img)
	_, body := p.graph.InboundMedia(pnid, customer, "Ann", "image", p.graph.AddMedia(pngBuf.Bytes(), "image/png"), "the parcel as it came")
	if code, err := p.graph.DeliverInbound(pnid, body); err != nil || code != 200 {
		t.Fatalf("webhook = %d, %v", code, err)
	}
	b.waitContains("#inbox .unread", "2")
	// The unread count is a badge beside the name, not a bar.
	if w := get(b, chromedp.Evaluate[float64](`document.querySelector("#inbox .unread").getBoundingClientRect().width`)); w > 60 {
		t.Fatalf("unread badge is %.0f px wide", w)
	}
	if n := get(b, chromedp.Evaluate[int](`window.shown.length`)); n != 1 {
		t.Fatalf("%d notifications after a follow-up message, want 1 (only new conversations)", n)
	}
	b.docShot("console-inbox", "#inbox .unread")

	// The photo shows once, loaded from the daemon, its caption once.
	b.run(chromedp.Click(chromedp.CSS("#inbox a.conv")), chromedp.WaitVisible(chromedp.CSS("#thread img")))
	b.waitEval("the photo loaded", `(() => { const i = document.querySelector("#thread img"); return i.complete && i.naturalWidth === 64; })()`)
	if n := get(b, chromedp.Evaluate[int](`document.getElementById("thread").textContent.split("the parcel as it came").length - 1`)); n != 1 {
		t.Fatalf("caption shown %d times", n)
	}
	// A reply WhatsApp does not take now counts down to its next attempt.
	p.graph.FailNext(pnid, 1000, 131000)
	p.clock.Add(time.Since(p.clock.Now()))
	b.run(chromedp.SendKeys(chromedp.CSS("#text"), "Let me check"), chromedp.Click(chromedp.CSS("#send")))
	b.run(chromedp.WaitVisible(chromedp.CSS("#thread .retry")))
	if got := b.text("#thread .retry"); !strings.Contains(got, "Not sent yet") || !strings.Contains(got, "retrying") {
		t.Fatalf("retry line = %q", got)
	}
	b.docShot("console-conversation", "#thread .retry")

	// Back in the panel: statistics with the choice of time zone, the
	// sessions by last activity, a timeline with its routing events, the
	// System page in words, and the signed-out page without a menu.
	b.run(chromedp.Navigate(base+"/admin/stats?range=last7"), chromedp.WaitVisible(chromedp.CSS("#stats-zone")))
	if got := b.text("#k-received"); got != "2" {
		t.Fatalf("stats received = %q", got)
	}
	b.docShot("stats", "svg")
	b.run(chromedp.Navigate(base+"/admin/sessions"), chromedp.WaitVisible(chromedp.CSS("#sessions")))
	b.docShot("sessions", "#sessions")
	sid := get(b, chromedp.AttributeValue(chromedp.CSS("#sessions a"), "href")).Value
	b.run(chromedp.Navigate(base+sid), chromedp.WaitVisible(chromedp.CSS(".timeline")))
	if got := b.text(".timeline"); !strings.Contains(got, "Offered") {
		t.Fatalf("timeline = %q", got)
	}
	b.docShot("session", ".timeline")
	b.run(chromedp.Navigate(base+"/admin/system"), chromedp.WaitVisible(chromedp.CSS("#system")))
	b.docShot("system", "#system")
	b.run(chromedp.Click(chromedp.CSS(`form[action="/admin/logout"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	if n := get(b, chromedp.Evaluate[int](`document.querySelectorAll("nav a, form.logout").length`)); n != 0 {
		t.Fatalf("the signed-out page shows %d menu entries", n)
	}
	b.docShot("signed-out", "#password")
	b.noErrors()
}
