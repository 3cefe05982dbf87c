package templates

import (
	"errors"
	"strings"

	"github.com/wachan/wachan/channel/cloudapi"
)

// metaRefusals explain the error subcodes Meta answers a template
// submission with: code, field and what to do.
var metaRefusals = map[int]struct{ code, field, fix string }{
	2388024: {CodeDuplicate, "name", "A template with this name already exists in this language (or one was deleted less than 30 days ago, or is still being deleted). Edit the existing template, add the language to it, or choose another name."},
	2388040: {CodeDraft, "", "A field is longer than Meta allows (header and footer 60 characters, body 1,024, button text 25)."},
	2388047: {CodeDraft, "header", "Meta found the header malformed: a text header has at most one variable and no formatting; a media header needs a handle of a completed upload of the right type."},
	2388072: {CodeDraft, "body.text", "Meta found the body malformed: check the {{…}} variables (numbered from {{1}} without gaps, or lowercase names) and their sample values."},
	2388073: {CodeDraft, "footer", "The footer can't contain variables or formatting."},
	2388293: {CodeVariableDensity, "body.text", "The body has too many variables for its length: write more words around them or use fewer variables."},
	2388299: {CodeVariablePlace, "body.text", "The body starts or ends with a variable: add text before the first and after the last one."},
	2388019: {CodeRefused, "", "The account has reached its template limit (250 names, or 6,000 for a verified business): delete unused templates."},
}

// refusal converts Meta's answer to a submission into a *Error that
// explains it; other errors come back unchanged.
func refusal(err error) error {
	var ge *cloudapi.APIError
	if !errors.As(err, &ge) {
		return err
	}
	meta := strings.TrimSpace(strings.Trim(ge.UserTitle+": "+ge.UserMessage, ": "))
	if meta == "" {
		meta = strings.TrimSpace(ge.Message + " " + ge.Details)
	}
	if r, ok := metaRefusals[ge.Subcode]; ok && ge.Code == 100 {
		return &Error{Code: r.code, Field: r.field, Message: r.fix + " (Meta: " + meta + ")"}
	}
	if ge.Code == 100 {
		return &Error{Code: CodeRefused, Message: "Meta refused the template: " + meta}
	}
	return err
}

// reviewReasons explain the reasons a template status webhook gives for
// a rejection or a pause.
var reviewReasons = map[string]string{
	"INCORRECT_CATEGORY":   "Meta judged the category wrong for the content: utility templates must not promote anything. Choose MARKETING or remove the promotional wording, then edit the template.",
	"INVALID_FORMAT":       "The format is invalid: check variables, sample values and the media of the header.",
	"ABUSIVE_CONTENT":      "Meta found content that breaks the WhatsApp Business or Commerce Policy.",
	"SCAM":                 "Meta suspects the template of being used for scams.",
	"TAG_CONTENT_MISMATCH": "The content does not match the category chosen.",
	"PROMOTIONAL":          "Promotional content in a template whose category does not allow it.",
	"LOW_QUALITY":          "Customers reported or blocked messages from this template; its quality rating fell.",
}

// ExplainReason returns a plain explanation of a template status reason,
// or "" when there is none.
func ExplainReason(reason string) string {
	return reviewReasons[strings.ToUpper(reason)]
}
