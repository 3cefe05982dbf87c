package setup

import (
	"strings"

	"github.com/wachan/wachan/pbx/asterisk"
)

// handoffContext is the message_context wachan recommends on plain Asterisk.
const handoffContext = "wachan-messages"

// freePBXContext is where FreePBX users put their own dialplan; FreePBX
// endpoints without a Messages Context send messages to from-internal,
// which includes it.
const freePBXContext = "from-internal-custom"

// handoffRule is the dialplan extension for wa- addresses: it posts each
// agent's message to wachan with CURL() and, unless wachan answers
// asterisk.HandoffAccepted, sends asterisk.HandoffNotice back to the
// agent's endpoint with MessageSend. Every value is URIENCODE()d, so the
// commas CURL() splits its arguments on cannot occur. The agent is the
// user of ${MESSAGE(from)} (<sip:1001@host>); the notice comes from the
// wa- address itself (${MESSAGE(to)} without its "pjsip:").
func handoffRule(p Params) []string {
	fields := []string{
		"from=${URIENCODE(${MESSAGE(from)})}",
		"to=${URIENCODE(${MESSAGE(to)})}",
		"call_id=${URIENCODE(${MESSAGE_DATA(Call-ID)})}",
		"cseq=${URIENCODE(${MESSAGE_DATA(CSeq)})}",
		"length=${URIENCODE(${MESSAGE_DATA(Content-Length)})}",
		"body=${URIENCODE(${MESSAGE(body)})}",
	}
	return []string{
		"exten => _wa-.,1,Set(CURLOPT(conntimeout)=3)",
		" same => n,Set(CURLOPT(httptimeout)=10)",
		" same => n,Set(CURLOPT(userpwd)=" + asterisk.HandoffUser + ":" + handoffSecret(p) + ")",
		" same => n,Set(WACHAN_ANSWER=${CURL(" + p.handoffURL() + "," + strings.Join(fields, "&") + ")})",
		` same => n,GotoIf($["${WACHAN_ANSWER}" = "` + asterisk.HandoffAccepted + `"]?done)`,
		" same => n,Set(WACHAN_AGENT=${MESSAGE(from)})",
		" same => n,Set(WACHAN_AGENT=${CUT(WACHAN_AGENT,@,1)})",
		" same => n,Set(WACHAN_AGENT=${CUT(WACHAN_AGENT,:,2)})",
		" same => n,Set(MESSAGE(body)=" + asterisk.HandoffNotice + ")",
		" same => n,MessageSend(pjsip:${WACHAN_AGENT},sip:${MESSAGE(to):6})",
		" same => n(done),Hangup()",
	}
}

// handoffSecret is the hand-off password, or a placeholder when the ARI
// password is not known.
func handoffSecret(p Params) string {
	if p.Password == "" {
		return "<run wachan setup asterisk with ari_password set>"
	}
	return asterisk.HandoffSecret(p.Password)
}
