package main

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

var (
	// customerMarker finds a load message's index in what a phone got.
	customerMarker = regexp.MustCompile(`\bload-(\d+) `)
	// replyMarker finds the index answered in a send to the Graph API.
	replyMarker = regexp.MustCompile(`"re-(\d+) `)
	// sipUser is the customer's address in the From of a phone message.
	sipUser = regexp.MustCompile(`<sip:([^@>]+)@`)
)

// replyText is the agent's answer to message i.
func replyText(i int) string { return "re-" + strconv.Itoa(i) + " thanks, an agent here" }

// agents simulates one agent per channel, reading its phone and answering
// each customer message once.
type agents struct {
	rig   *rig
	tr    *tracker
	reply bool
	every time.Duration
}

// run polls the phones until ctx ends.
func (a *agents) run(ctx context.Context) {
	seen := make([]int, len(a.rig.channels))
	t := time.NewTicker(a.every)
	defer t.Stop()
	for {
		for k, c := range a.rig.channels {
			inbox := a.rig.ari.Inbox(c.Ext)
			for _, r := range inbox[seen[k]:] {
				a.handle(c.Ext, r.Body, r.From, r.Time)
			}
			seen[k] = len(inbox)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// handle acts on one message that reached ext's phone at.
func (a *agents) handle(ext, body, from string, at time.Time) {
	m := customerMarker.FindStringSubmatch(body)
	if m == nil {
		return // conversation headers and notices
	}
	i, err := strconv.Atoi(m[1])
	if err != nil || !a.tr.atPhone(i, at) || !a.reply {
		return
	}
	u := sipUser.FindStringSubmatch(from)
	if u == nil {
		a.tr.errorOf("agent_no_address")
		return
	}
	sent := time.Now()
	if code := a.rig.ari.PhoneSend(ext, u[1], replyText(i)); code != http.StatusAccepted {
		a.tr.errorOf("agent_sip_" + strconv.Itoa(code))
		return
	}
	a.tr.replied(i, sent)
}

// graphObserver returns the rig observer that counts answers reaching the
// Graph emulator and sends it refused.
func graphObserver(tr *tracker) func(*http.Request, []byte, int) {
	return func(r *http.Request, body []byte, status int) {
		if len(r.URL.Path) < len("/messages") || r.URL.Path[len(r.URL.Path)-len("/messages"):] != "/messages" {
			return
		}
		m := replyMarker.FindSubmatch(body)
		if m == nil {
			return
		}
		if status != http.StatusOK {
			tr.errorOf("graph_" + strconv.Itoa(status))
			return
		}
		i, err := strconv.Atoi(string(m[1]))
		if err == nil {
			tr.atGraph(i, time.Now())
		}
	}
}
