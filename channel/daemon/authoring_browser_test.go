package daemon

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAuthoringPagesInBrowser drives, in Chromium, the panel pages where
// admins write what customers receive: a new template with its live
// preview, the chat menu, canned replies and button actions.
func TestAuthoringPagesInBrowser(t *testing.T) {
	t.Parallel()
	p := startPBX(t, map[string]string{"type": "extension", "id": "1001"}, queue("sales", "ringall", "1001", "1002"))
	b := newBrowser(t)
	base := p.base

	b.run(chromedp.Navigate(base+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#password"), adminToken),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/channels/new"]`)))

	// A template: the phone-like preview follows the form as it is typed.
	b.run(chromedp.Navigate(base+"/admin/templates/new?channel="+p.ch), chromedp.WaitVisible(chromedp.CSS("#template-form")),
		chromedp.SendKeys(chromedp.CSS("#body"), "Hello {{1}}, your order is ready for pickup."),
		chromedp.SendKeys(chromedp.CSS("#footer"), "Acme Shop"))
	b.waitEval("the preview shows the body", `document.getElementById("pv-body").textContent.includes("your order is ready for pickup")`)
	b.waitEval("the preview shows the footer", `document.getElementById("pv-footer").textContent === "Acme Shop"`)
	b.docShot("template-new", "#template-preview")

	// The chat menu: the example a channel starts from saves as it is.
	b.run(chromedp.Navigate(base+"/admin/menu?channel="+p.ch), chromedp.WaitVisible(chromedp.CSS("#menu")),
		chromedp.Click(chromedp.CSS("#save-menu")), chromedp.WaitVisible(chromedp.CSS("#menu")))
	if e := get(b, chromedp.Evaluate[string](`(document.querySelector(".error") || {}).textContent || ""`)); e != "" {
		t.Fatalf("the example menu was refused: %s", e)
	}
	b.waitContains(".flash", "Chat menu saved.")
	b.docShot("menu", "#menu")

	// A shared canned reply.
	b.run(chromedp.Navigate(base+"/admin/canned"), chromedp.WaitVisible(chromedp.CSS("#shortcut")),
		chromedp.SendKeys(chromedp.CSS("#shortcut"), "hours"),
		chromedp.SendKeys(chromedp.CSS("#text"), "We are open from 9 to 17, {{customer.name}}."),
		chromedp.Click(chromedp.CSS("#save-canned")))
	b.waitContains(".flash", "Saved /r hours.")
	b.waitContains("#canned", "We are open from 9 to 17")
	b.docShot("canned", "#canned")

	// A button action routing a quick reply to the queue.
	b.run(chromedp.Navigate(base+"/admin/actions?channel="+p.ch), chromedp.WaitVisible(chromedp.CSS("#trigger")),
		chromedp.SendKeys(chromedp.CSS("#trigger"), "talk_to_sales"),
		chromedp.SetValue(chromedp.CSS("#kind"), "route"),
		chromedp.SetValue(chromedp.CSS("#dest_type"), "queue"),
		chromedp.SetValue(chromedp.CSS("#dest_id"), "sales"),
		chromedp.Click(chromedp.CSS("#save-action")))
	b.waitContains("#actions", "talk_to_sales")
	b.docShot("actions", "#actions")
	b.noErrors()
}
