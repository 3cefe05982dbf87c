package demo

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	bt "github.com/wachan/wachan/channel/internal/browsertest"
)

// js quotes s as a JavaScript string.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestDemoInBrowser runs the demo as `wachan demo` does and uses it in
// Chromium as a visitor would: the customer writes a text, the sample
// photo and interactive replies on the customer page; they reach the
// agent console live; the agent answers from the console; the answer
// reaches the customer page and its ticks come back to the console: sent
// while the page is closed, delivered once it is open in the background,
// read once it is in view. Every page says it is a demo and logs no error.
func TestDemoInBrowser(t *testing.T) {
	b := bt.Start(t)
	m := New(Options{Listen: "127.0.0.1:0"})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})

	// The customer page, labelled a demo, with the links filled in by its
	// script.
	cust := b.Tab()
	bt.Run(t, cust, chromedp.Navigate(m.PageURL+"/"), chromedp.WaitVisible(chromedp.CSS("#text")))
	bt.Wait(t, cust, "shows the console link", `document.getElementById("console-link").href === `+js(m.PanelURL+"/agent/"))
	if tag, banner := bt.Get(t, cust, chromedp.Text(chromedp.CSS(".top .tag"))), bt.Get(t, cust, chromedp.Text(chromedp.CSS(".top p"))); tag != "DEMO" || !strings.Contains(banner, "nothing reaches Meta or a real PBX") {
		t.Fatalf("the customer page is labelled %q: %q", tag, banner)
	}

	// The agent signs in to the console through its form, in a second
	// tab; every console page carries the demo banner.
	agent := b.NewTab(t)
	demoBanner := func(page string) {
		t.Helper()
		if got := bt.Get(t, agent, chromedp.Text(chromedp.CSS("#demo"))); !strings.Contains(got, "Nothing reaches Meta or a real Asterisk") {
			t.Fatalf("the %s is labelled %q", page, got)
		}
	}
	bt.Run(t, agent, chromedp.Navigate(m.PanelURL+"/agent/"), chromedp.WaitVisible(chromedp.CSS("#password")))
	demoBanner("console's sign-in page")
	bt.Load(t, agent,
		chromedp.SendKeys(chromedp.CSS("#name"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#password"), AgentPassword("1001")),
		chromedp.Click(chromedp.CSS(`form[action="/agent/login"] button[type=submit]`)))
	bt.Run(t, agent, chromedp.WaitVisible(chromedp.CSS("#inbox")))
	demoBanner("console's inbox")
	// A mark that a reload would wipe: what follows must arrive live.
	bt.Run(t, agent, chromedp.Evaluate[chromedp.Void](`window.demoLive = true`))

	// The customer types a text and sends it with the page's form.
	bt.Run(t, cust, chromedp.SendKeys(chromedp.CSS("#text"), "Hello from the browser"), chromedp.Click(chromedp.CSS("#send-text")))
	bt.Wait(t, cust, "shows the customer's text", `[...document.querySelectorAll("#chat li.customer")].some(li => li.textContent.includes("Hello from the browser")) && document.getElementById("text").value === ""`)
	bt.Wait(t, agent, "shows the text in the inbox live", `window.demoLive && [...document.querySelectorAll("#inbox a.conv")].some(a => a.textContent.includes("Hello from the browser"))`)

	// Then the sample photo with a caption, a button reply and a list
	// reply, one after the other.
	for _, step := range []struct{ act, shown string }{
		{"#send-image", "[photo] my parcel"},
		{"#tap-button", "Yes, please"},
		{"#tap-list", "Delivery status"},
	} {
		if step.act == "#send-image" {
			bt.Run(t, cust, chromedp.SendKeys(chromedp.CSS("#caption"), "my parcel"))
		}
		bt.Run(t, cust, chromedp.Click(chromedp.CSS(step.act)))
		bt.Wait(t, cust, "shows "+step.shown, `[...document.querySelectorAll("#chat li.customer")].some(li => li.textContent.includes(`+js(step.shown)+`))`)
	}
	if e := bt.Get(t, cust, chromedp.Text(chromedp.CSS("#customer-error"))); e != "" {
		t.Fatalf("the customer page shows an error: %q", e)
	}

	// The agent opens the conversation: all four messages, the photo
	// shown once with its caption once.
	bt.Wait(t, agent, "shows the last reply in the inbox live", `window.demoLive && document.querySelector("#inbox a.conv").textContent.includes("Delivery status")`)
	bt.Load(t, agent, chromedp.Click(chromedp.CSS("#inbox a.conv")))
	bt.Run(t, agent, chromedp.WaitVisible(chromedp.CSS("#thread")))
	demoBanner("conversation page")
	bt.Wait(t, agent, "shows the four messages", `(() => {
		const t = document.getElementById("thread").textContent;
		return ["Hello from the browser", "my parcel", "Yes, please", "Delivery status"].every(s => t.includes(s));
	})()`)
	bt.Wait(t, agent, "loads the photo", `[...document.querySelectorAll("#thread img")].some(i => i.complete && i.naturalWidth === 96)`)
	if n := bt.Get(t, agent, chromedp.Evaluate[[]int](`[document.querySelectorAll("#thread img").length, document.getElementById("thread").textContent.split("my parcel").length - 1]`)); n[0] != 1 || n[1] != 1 {
		t.Fatalf("the photo shows %d times, its caption %d times; want once each", n[0], n[1])
	}

	// The customer's phone is off (the customer page closed); the agent
	// answers with the composer.
	bt.Run(t, cust, chromedp.Navigate("about:blank"))
	const reply = "Thanks Ann, it ships today"
	bt.Load(t, agent, chromedp.SendKeys(chromedp.CSS("#text"), reply), chromedp.Click(chromedp.CSS("#send")))
	bt.Run(t, agent, chromedp.WaitVisible(chromedp.CSS("#thread")))
	if e, _ := chromedp.Run(agent, chromedp.Evaluate[string](`(document.getElementById("conv-error") || {}).textContent || ""`)); e != "" {
		t.Fatalf("the console refused the reply: %s", e)
	}
	// From now on, record every tick the reply shows, in order.
	replyTick := `(() => {
		const li = [...document.querySelectorAll("#thread li.msg.out")].find(li => li.textContent.includes(` + js(reply) + `));
		const tick = li && li.querySelector(".tick");
		return tick ? tick.className.replace(/^tick /, "") + " " + tick.textContent.trim() + " " + getComputedStyle(tick).color : "";
	})()`
	bt.Run(t, agent, chromedp.Evaluate[chromedp.Void](`(() => {
		window.demoTicks = [];
		const note = () => { const s = `+replyTick+`; if (s && window.demoTicks[window.demoTicks.length - 1] !== s) { window.demoTicks.push(s); } };
		note();
		new MutationObserver(note).observe(document.getElementById("thread"), {childList: true, subtree: true, characterData: true, attributes: true});
	})()`))
	lastTick := func(class string) string {
		return `window.demoTicks.length > 0 && window.demoTicks[window.demoTicks.length - 1].startsWith("` + class + ` ")`
	}
	// Sent, and no further while the phone is off.
	bt.Wait(t, agent, "shows the reply sent", lastTick("tick-sent"))

	// The phone is on again with WhatsApp in the background: the customer
	// page opens hidden, logging its requests.
	if _, err := chromedp.Call(cust, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.demoFetches = [];
		const demoFetch = window.fetch;
		window.fetch = function (url, opts) {
			return demoFetch.apply(this, arguments).then(r => { window.demoFetches.push(((opts && opts.method) || "GET") + " " + url); return r; });
		};
		Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});`}); err != nil {
		t.Fatal(err)
	}
	bt.Run(t, cust, chromedp.Navigate(m.PageURL+"/"))
	bt.Wait(t, cust, "shows the reply", `[...document.querySelectorAll("#chat li.business")].some(li => li.textContent.includes(`+js(reply)+`))`)
	bt.Wait(t, agent, "shows the reply delivered", lastTick("tick-delivered"))
	// The agent has answered, so the customer's own messages are read.
	bt.Wait(t, cust, "shows the customer's messages read", `(() => {
		const mine = [...document.querySelectorAll("#chat li.customer")];
		return mine.length === 4 && mine.every(li => li.textContent.includes("· read"));
	})()`)
	// Two more refreshes of the hidden page, and still not read.
	bt.Run(t, cust, chromedp.Evaluate[chromedp.Void](`window.demoMark = window.demoFetches.length`))
	bt.Wait(t, cust, "refreshes twice more", `window.demoFetches.slice(window.demoMark).filter(f => f === "GET /state").length >= 2`)
	if posts := bt.Get(t, cust, chromedp.Evaluate[[]string](`window.demoFetches.filter(f => f.startsWith("POST"))`)); len(posts) != 1 || posts[0] != "POST /customer/received" {
		t.Fatalf("the hidden customer page sent %q, want one POST /customer/received", posts)
	}
	if tick := bt.Get(t, agent, chromedp.Evaluate[string](replyTick)); !strings.HasPrefix(tick, "tick-delivered ") {
		t.Fatalf("while the customer page is hidden the console shows the reply %q", tick)
	}

	// The customer opens the chat: read. The ticks went ✓ (sent), grey
	// ✓✓ (delivered), blue ✓✓ (read).
	bt.Run(t, cust, chromedp.Evaluate[chromedp.Void](`delete document.visibilityState; document.dispatchEvent(new Event("visibilitychange"))`))
	bt.Wait(t, agent, "shows the reply read", lastTick("tick-read"))
	if posts := bt.Get(t, cust, chromedp.Evaluate[[]string](`window.demoFetches.filter(f => f.startsWith("POST"))`)); len(posts) != 2 || posts[1] != "POST /customer/read" {
		t.Fatalf("the customer page in view sent %q, want POST /customer/read second", posts)
	}
	checkTicks(t, bt.Get(t, agent, chromedp.Evaluate[[]string](`window.demoTicks`)))

	// The same agent answers from the simulated phone on the customer
	// page: the customer gets it, and the console shows it live.
	const fromPhone = "And from my phone"
	bt.Run(t, agent, chromedp.Evaluate[chromedp.Void](`window.demoLive = true`))
	bt.Run(t, cust, chromedp.WaitVisible(chromedp.CSS("#reply-1001")), chromedp.SendKeys(chromedp.CSS("#reply-1001"), fromPhone),
		chromedp.Click(chromedp.CSS("#phone-1001 form button[type=submit]")))
	bt.Wait(t, cust, "shows the phone's answer", `[...document.querySelectorAll("#chat li.business")].some(li => li.textContent.includes(`+js(fromPhone)+`))`)
	bt.Wait(t, agent, "shows the phone's answer live", `window.demoLive && document.getElementById("thread").textContent.includes(`+js(fromPhone)+`)`)

	// The admin panel's sign-in page is labelled too.
	bt.Run(t, agent, chromedp.Navigate(m.PanelURL+"/admin/"), chromedp.WaitVisible(chromedp.CSS("#password")))
	demoBanner("admin sign-in page")
	b.NoErrors(t)
}

// checkTicks checks the ticks a reply showed, each "class mark colour":
// never back, and ✓ (sent), grey ✓✓ (delivered) and ✓✓ in another colour
// (read) among them.
func checkTicks(t *testing.T, ticks []string) {
	t.Helper()
	t.Logf("the reply's ticks: %q", ticks)
	order := map[string]int{"tick-queued 🕓": 0, "tick-accepted ✓": 1, "tick-sent ✓": 2, "tick-delivered ✓✓": 3, "tick-read ✓✓": 4}
	colours := map[string]string{}
	last := -1
	for _, s := range ticks {
		f := strings.SplitN(s, " ", 3)
		if len(f) != 3 {
			t.Fatalf("the reply's ticks went %q", ticks)
		}
		r, ok := order[f[0]+" "+f[1]]
		if !ok || r <= last {
			t.Fatalf("the reply's ticks went %q", ticks)
		}
		last, colours[f[0]] = r, f[2]
	}
	if colours["tick-sent"] == "" || colours["tick-delivered"] == "" || colours["tick-read"] == "" || colours["tick-read"] == colours["tick-delivered"] {
		t.Fatalf("the reply's ticks went %q: want ✓, then ✓✓, then ✓✓ in another colour", ticks)
	}
}
