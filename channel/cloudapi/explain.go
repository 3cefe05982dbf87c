package cloudapi

import (
	"fmt"
	"strings"
)

// explanations holds the plain-English explanation and fix of each Graph
// API error code wachan knows, for administrators and agents.
var explanations = map[int]string{
	0:      "Authentication failed: the access token is invalid. Generate a new System User token with the whatsapp_business_messaging permission and save it.",
	1:      "Meta reported an unknown error. It is usually temporary: the message will be retried.",
	2:      "The WhatsApp service is temporarily unavailable. The message will be retried.",
	3:      "The app lacks a capability this call needs. Check the app's WhatsApp product setup and permissions in Meta's App Dashboard.",
	4:      "The app hit Meta's API call limit. Sending slows down and retries automatically.",
	10:     "Permission denied: the token lacks whatsapp_business_messaging or whatsapp_business_management, or the number is not in this account. Re-create the token with both permissions for this WhatsApp account.",
	100:    "Meta rejected a parameter of the request. Check the details; this is usually a bug or a wrong id in the configuration.",
	190:    "The access token has expired (temporary tokens last 24 h). Replace it with a permanent System User token.",
	200:    "Permission denied for this WhatsApp account. Give the System User full control of the account and re-create the token.",
	2200:   "Meta could not verify the callback URL: it must be reachable from the internet over HTTPS with a valid certificate and answer Meta's check with the verify token. Check public_url and the certificate, then try again.",
	368:    "The number is temporarily blocked for policy violations. Stop sending and review the account's quality in WhatsApp Manager.",
	80007:  "The WhatsApp account hit its rate limit. Sending slows down and retries automatically.",
	130429: "The number reached its throughput limit (messages per second). Sending slows down and retries automatically.",
	130472: "Meta withheld this message as part of a marketing experiment. Nothing to fix; do not resend it immediately.",
	130497: "The business may not message users in this country. Contact Meta support if this is unexpected.",
	131000: "Something went wrong on Meta's side. The message will be retried.",
	131005: "Access denied: the token lacks a permission this call needs. Re-create it with whatsapp_business_messaging.",
	131008: "A required parameter is missing. This is a bug in the message being sent.",
	131009: "A parameter value is not valid (for example a button title that is too long or a message id older than 30 days). Check the details.",
	131016: "The WhatsApp service is overloaded or unavailable. The message will be retried.",
	131021: "The recipient is the sending number itself. Send to a different number.",
	131026: "The message could not be delivered: the customer is not on WhatsApp, uses an old app, or has not accepted the latest terms. Reach them another way.",
	131031: "The WhatsApp account is locked or restricted for policy reasons. Check WhatsApp Manager.",
	131037: "The number has no approved display name yet. Get the display name approved in WhatsApp Manager.",
	131042: "There is a payment problem on the WhatsApp account. Add or fix the payment method in Meta Business Settings.",
	131045: "The phone number's certificate is missing or wrong. Register the number again.",
	131047: "More than 24 h since the customer's last message: send a template",
	131048: "Meta limited sending because customers reported or blocked these messages (spam rate limit). Pause and improve message quality before sending again.",
	131049: "Meta did not deliver this marketing message to keep user engagement healthy. Wait at least a day before messaging this customer again.",
	131050: "The customer stopped marketing messages from this business. Do not send them marketing templates.",
	131051: "This message type is not supported. Send a different kind of message.",
	131052: "The customer's media could not be downloaded from WhatsApp (it may be larger than 100 MB). Ask the customer to send it again.",
	131053: "Meta could not process the uploaded media (often the file type does not match its MIME type, or it is too large). Convert the file and try again.",
	131056: "Too many messages to this customer in a short time (pair rate limit). Sending to this customer waits and retries; others are not affected.",
	131057: "The WhatsApp account is in maintenance (for example a throughput upgrade). Sending retries in a minute.",
	132000: "The number of template parameters does not match the template. Fix the parameters sent.",
	132001: "The template does not exist in this language or is not approved. Check the template name, language and status in WhatsApp Manager.",
	132005: "The template text is too long once its parameters are filled in. Shorten the parameters.",
	132007: "The template's content violates a WhatsApp policy. Edit the template.",
	132012: "A template parameter has the wrong format (for example text where media is expected). Fix the parameters sent.",
	132015: "The template is paused because of low quality. Edit it or use another template.",
	132016: "The template is disabled because of low quality. Use another template.",
	132068: "The Flow is blocked. Fix the Flow in WhatsApp Manager.",
	132069: "The Flow is throttled. Try again later.",
	133000: "A previous deregistration of this number did not finish. Deregister it again before registering.",
	133004: "The WhatsApp server is temporarily unavailable. The call will be retried.",
	133005: "The two-step verification PIN is wrong. Use the number's current PIN.",
	133006: "The phone number must be verified before it can be registered. Verify it in WhatsApp Manager.",
	133008: "Too many two-step verification PIN attempts. Wait before trying again.",
	133009: "The two-step verification PIN was entered too fast. Wait and try again.",
	133010: "The phone number is not registered with the Cloud API. Register it (POST /{phone-number-id}/register) and try again.",
	135000: "A generic user error occurred. Check the request parameters.",
}

// Explain returns a short plain-English explanation of a Graph API error and
// its fix, for administrators and agents. details (error_data.details) and
// subcode refine the explanation of code 100; unknown codes get a generic
// sentence naming the code.
func Explain(code, subcode int, details string) string {
	if code == 100 {
		return explain100(subcode, details)
	}
	if s, ok := explanations[code]; ok {
		return s
	}
	switch {
	case code > 200 && code <= 299:
		return explanations[200]
	case code >= 132000 && code <= 132999:
		return "The template message was rejected. Check the template name, language, status and parameters."
	}
	if details != "" {
		return fmt.Sprintf("WhatsApp returned error %d: %s", code, details)
	}
	return fmt.Sprintf("WhatsApp returned error %d. Check Meta's error code reference.", code)
}

// Known reports whether wachan has its own explanation of code.
func Known(code int) bool {
	_, ok := explanations[code]
	return ok || code > 200 && code <= 299 || code >= 132000 && code <= 132999
}

// ExplainMeta is Explain for an error Meta reported in a webhook: for a
// code wachan does not know, Meta's own title and details rather than a
// generic sentence.
func ExplainMeta(code int, title, details string) string {
	if code == 0 || Known(code) || (title == "" && details == "") {
		return Explain(code, 0, details)
	}
	switch {
	case title == "" || title == details:
		return details
	case details == "":
		return title
	}
	return title + ": " + details
}

func explain100(subcode int, details string) string {
	d := strings.ToLower(details)
	switch {
	case strings.Contains(d, "unsupported get request") || strings.Contains(d, "unsupported post request") || subcode == 33:
		return "The object does not exist or the token cannot see it: the phone number id may be wrong, the media id may have expired, or the token was made by an Employee system user. Check the phone number id and create the token with an Admin system user."
	case strings.Contains(d, "template"):
		return "Meta rejected the template parameters. Check the template name, language and parameters."
	case details != "":
		return "Meta rejected a parameter of the request: " + details
	}
	return explanations[100]
}
