package setup

import (
	"fmt"
	"io"
	"strings"
)

// Guide writes what Asterisk needs for wachan with settings p: the HTTP
// server, an ARI user, and a message_context on the agents' PJSIP
// endpoints that leaves wa- addresses to wachan. The password is shown as
// a placeholder.
func Guide(w io.Writer, p Params) {
	host, port := p.hostPort()
	fmt.Fprintf(w, `Asterisk needs four things for wachan (ari_url %s, user %q, app %q).

1. The HTTP server, in /etc/asterisk/http.conf:

[general]
enabled = yes
bindaddr = %s      ; keep ARI on loopback when wachan runs on this host
bindport = %s

2. ARI and a user for wachan, in /etc/asterisk/ari.conf:

[general]
enabled = yes

[%s]
type = user
read_only = no          ; wachan subscribes and sends messages
password = <ari_password from wachan's configuration>
password_format = plain

3. On every agent's PJSIP endpoint (pjsip.conf), a message_context, best
   through the endpoint template:

[agent-tpl](!)
type = endpoint
message_context = wachan-messages
; … context, auth, aors, allow …

4. That context in extensions.conf, with NO extension matching %s-style
   addresses:

[wachan-messages]
; wachan receives agents' messages to wa-… addresses through ARI
; (subscription %s). Asterisk hands a SIP MESSAGE to every handler that wants
; it: if an extension here also matched wa-… (for example _[0-9a-zA-Z]! or
; _.), the dialplan would handle each message a second time, and it would
; still answer 202 while wachan is down, so the agent would think it was sent.
; Agent-to-agent texts, if you want them:
exten => _1XXX,1,MessageSend(pjsip:${EXTEN},${MESSAGE(from)})
 same => n,Hangup()

Then reload: asterisk -rx 'module reload http' -rx 'module reload res_ari.so'
-rx 'pjsip reload' -rx 'dialplan reload', and run: wachan setup asterisk --check
`, p.URL, p.user(), p.app(), host, port, p.user(), SampleAddress, strings.Join(p.sources(), ","))
	if o := overlapping(p.sources()); len(o) > 0 {
		fmt.Fprintf(w, "\nWarning: ari_subscribe has overlapping sources (%s): Asterisk then sends every event twice. Keep only endpoint:PJSIP.\n", strings.Join(o, ", "))
	}
}
