package setup

import (
	"fmt"
	"io"
	"strings"
)

// Guide writes what Asterisk needs for wachan with settings p, as
// copy-pasteable file fragments and commands: the HTTP server, an ARI
// user, qualify on the agents' AORs, and the message_context rule that
// hands agents' messages to wachan and tells them when wachan is away.
// With p.FreePBX it names FreePBX's custom files instead of the files
// FreePBX generates. The ARI password is shown as a placeholder; the
// hand-off secret derived from it is printed.
func Guide(w io.Writer, p Params) {
	host, port := p.hostPort()
	if p.URL == "" {
		fmt.Fprintf(w, "ari_url is not set: wachan does not connect to Asterisk until it is. This guide assumes\nari_url = %q, ari_user = %q and ari_app = %q.\n\n", p.url(), p.user(), p.app())
	} else {
		fmt.Fprintf(w, "For ari_url = %q,\nari_user = %q and ari_app = %q.\n\n", p.url(), p.user(), p.app())
	}
	if p.FreePBX {
		guideFreePBX(w, p, host, port)
	} else {
		guideAsterisk(w, p, host, port)
	}
	fmt.Fprint(w, `
How agents' messages reach wachan: Asterisk gives an agent's message to a
wa- address to every handler that wants it, wachan's ARI subscription and the
dialplan rule above; wachan takes each message once. wachan holds one
subscription while it runs and removes it when it stops. So:
- wachan running: the message is sent, even while wachan reconnects to ARI;
- wachan stopped, crashed or not started yet: the agent gets the notice
  "`+noticeShort+`…" and can send again later.
Limits: the notice needs the agent's phone registered; a wrong URL or password
in the rule sends the notice even when ARI delivered (--check finds both);
without the rule an agent's message is refused (404) while wachan is stopped,
but after a crash it is accepted (202) and lost until wachan starts again.
`)
	if o := overlapping(p.sources()); len(o) > 0 {
		fmt.Fprintf(w, "\nWarning: ari_subscribe has overlapping sources (%s): Asterisk then sends every event twice. Keep only endpoint:PJSIP.\n", strings.Join(o, ", "))
	}
}

// noticeShort is the start of the notice, for the guide's prose.
const noticeShort = "[wachan] Not sent: the WhatsApp gateway is offline"

func guideAsterisk(w io.Writer, p Params, host, port string) {
	fmt.Fprintf(w, `1. The HTTP server, in %s:

[general]
enabled = yes
bindaddr = %s      ; keep ARI on loopback when wachan runs on this host
bindport = %s

2. ARI and a user for wachan, in %s:

[general]
enabled = yes

[%s]
type = user
read_only = no          ; wachan subscribes and sends messages
password = <ari_password from wachan's configuration>
password_format = plain

3. On the agents' PJSIP endpoints and AORs, in %s,
   best through their templates: a message_context for their texts, and
   qualify_frequency, so that a phone that vanishes without un-registering
   goes offline within a minute and wachan holds its messages for it instead
   of sending them into the void:

[agent-tpl](!)
type = endpoint
message_context = %s
; … context, auth, aors, allow …

[agent-aor-tpl](!)
type = aor
qualify_frequency = 30
max_contacts = 1
remove_existing = yes

4. The context, in %s. Its wa- rule hands every
   agent's message to wachan over HTTP (CURL() needs func_curl.so) and tells
   the agent when wachan does not take it. Its password is derived from
   ari_password: print this guide again after changing that.

[%s]
%s
; Agent-to-agent texts, if you want them:
exten => _1XXX,1,MessageSend(pjsip:${EXTEN},${MESSAGE(from)})
 same => n,Hangup()

5. Load it, one command per line:

asterisk -rx 'module reload http'
asterisk -rx 'module reload res_ari.so'
asterisk -rx 'module reload res_pjsip.so'
asterisk -rx 'dialplan reload'
asterisk -rx 'module show like func_curl'

Then check it: wachan setup asterisk --check --asterisk-dir %s
`, p.path("http.conf"), host, port, p.path("ari.conf"), p.user(), p.path("pjsip.conf"), handoffContext,
		p.path("extensions.conf"), handoffContext, strings.Join(handoffRule(p), "\n"), p.dir())
}

func guideFreePBX(w io.Writer, p Params, host, port string) {
	fmt.Fprintf(w, `FreePBX writes http.conf, ari.conf, pjsip.conf and extensions.conf itself and
overwrites changes to them; it includes the custom files named below.

1. The HTTP server: in Settings > Advanced Settings, Enable the mini-HTTP
   Server = Yes, HTTP Bind Address = %s, HTTP Bind Port = %s. Or, in
   %s:

[general](+)
enabled = yes
bindaddr = %s
bindport = %s

2. An ARI user for wachan (or use Settings > Asterisk REST Interface Users),
   in %s:

[%s]
type = user
read_only = no
password = <ari_password from wachan's configuration>
password_format = plain

3. Extensions: keep each extension's Qualify Frequency (Advanced tab;
   FreePBX's default is 60) above 0, so that a phone that vanishes without
   un-registering goes offline and wachan holds its messages. To set it
   outside the GUI, per extension, in
   %s:

[1001](+type=aor)
qualify_frequency = 30

   Leave Messages Context empty: messages then go to from-internal, which
   includes [%s]. An extension with a Messages Context of its
   own needs the rule below in that context, or, in
   %s:

[1001](+type=endpoint)
message_context = from-internal

4. The rule, in %s. It hands every
   agent's message to wachan over HTTP (CURL() needs func_curl.so) and tells
   the agent when wachan does not take it. Its password is derived from
   ari_password: print this guide again after changing that.

[%s]
%s

5. Load it, one command per line:

fwconsole reload
asterisk -rx 'module show like func_curl'

Then check it: wachan setup asterisk --freepbx --check --asterisk-dir %s
`, host, port, p.path("http_custom.conf"), host, port, p.path("ari_additional_custom.conf"), p.user(),
		p.path("pjsip.aor_custom_post.conf"), freePBXContext, p.path("pjsip.endpoint_custom_post.conf"),
		p.path("extensions_custom.conf"), freePBXContext, strings.Join(handoffRule(p), "\n"), p.dir())
}
