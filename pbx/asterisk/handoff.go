package asterisk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wachan/wachan/pbx"
)

// The dialplan hand-off: a message_context rule for wa- addresses posts
// each agent's message to wachan with CURL() and, when wachan does not
// answer HandoffAccepted, sends HandoffNotice back to the agent with
// MessageSend. `wachan setup asterisk` prints the rule.
const (
	// HandoffPath is the path of wachan's hand-off endpoint.
	HandoffPath = "/pbx/message"
	// HandoffUser is the Basic auth user of the hand-off; the password is
	// HandoffSecret(ari_password).
	HandoffUser = "wachan"
	// HandoffAccepted is wachan's answer when it took the message.
	HandoffAccepted = "accepted"
	// HandoffNotice is what the dialplan sends the agent otherwise.
	HandoffNotice = "[wachan] Not sent: the WhatsApp gateway is offline. Send your message again when it is back."
)

// HandoffSecret derives the hand-off password from the ARI password, so
// that there is no second secret to configure and the dialplan never holds
// the ARI password itself (which grants all of ARI).
func HandoffSecret(ariPassword string) string {
	m := hmac.New(sha256.New, []byte(ariPassword))
	m.Write([]byte("wachan dialplan hand-off"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// HandoffForm holds the fields the dialplan posts: ${MESSAGE(from)},
// ${MESSAGE(to)}, ${MESSAGE_DATA(Call-ID)}, ${MESSAGE_DATA(CSeq)},
// ${MESSAGE_DATA(Content-Length)} and ${MESSAGE(body)}.
type HandoffForm struct {
	From, To, CallID, CSeq, Length, Body string
}

// ErrNotChannelAddress reports a hand-off for a user without the channel
// address prefix.
var ErrNotChannelAddress = errors.New("asterisk: not a channel address")

// HandoffMessage turns a hand-off into the message ARI would have
// delivered: sender and address from the URIs, oversize detection from
// Content-Length, and the same ID, so that a message that also arrived
// through ARI is recognised. prefix is the channel address prefix ("wa-").
func HandoffMessage(f HandoffForm, prefix string, now time.Time) (pbx.TextMessage, error) {
	to := userPart(f.To)
	if to == "" || !strings.HasPrefix(to, prefix) {
		return pbx.TextMessage{}, ErrNotChannelAddress
	}
	from := userPart(f.From)
	if from == "" {
		return pbx.TextMessage{}, errors.New("asterisk: hand-off without a usable sender")
	}
	cl, _ := strconv.Atoi(strings.TrimSpace(f.Length))
	return pbx.TextMessage{
		ID:            messageID(f.CallID, f.CSeq),
		From:          from,
		To:            to,
		Body:          f.Body,
		ContentLength: cl,
		Oversize:      cl > 0 && f.Body == "",
		Time:          now,
	}, nil
}

// messageID identifies a SIP request by its Call-ID and CSeq; "" when
// either is missing.
func messageID(callID, cseq string) string {
	callID, cseq = strings.TrimSpace(callID), strings.Join(strings.Fields(cseq), " ")
	if callID == "" || cseq == "" {
		return ""
	}
	return callID + " " + cseq
}
