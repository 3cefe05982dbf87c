package templates

import (
	"fmt"
	"net/http"
)

// Error codes of template validation.
const (
	CodeNotFound         = "template_not_found"         // no template of that name on the channel
	CodeLanguageNotFound = "template_language"          // the template does not exist in that language
	CodeLanguageRequired = "template_language_required" // several languages and none given
	CodeNotApproved      = "template_not_approved"      // status is not APPROVED
	CodeNotSynced        = "template_not_synced"        // known from a webhook only
	CodeParamCount       = "template_param_count"       // too few or too many values
	CodeParamFormat      = "template_param_format"      // named values for positional variables or the reverse
	CodeParamMissing     = "template_param_missing"     // a named variable or a button value not given
	CodeParamExtra       = "template_param_extra"       // a name or button the template does not have
	CodeParamText        = "template_param_text"        // a value breaks Meta's text rules
	CodeMedia            = "template_header_media"      // header media or location missing or of the wrong kind
	CodeUnsupported      = "template_unsupported"       // a part this version cannot fill in
	CodeUsage            = "template_usage"             // the /template command is malformed

	// Authoring.
	CodeDraft           = "template_invalid"           // a definition breaks one of Meta's rules
	CodeExample         = "template_example_missing"   // a variable has no sample value
	CodeVariablePlace   = "template_variable_position" // the body starts or ends with a variable
	CodeVariableDensity = "template_variable_density"  // too many variables for the body's length
	CodeDuplicate       = "template_duplicate"         // the name exists in that language
	CodeNotEditable     = "template_not_editable"      // status or change Meta does not allow
	CodeRefused         = "template_refused"           // Meta refused the submission
)

// Error is a template request that Meta would refuse, found before
// sending. Field names the offending request part (such as "language",
// "params.body[2]" or "params.named.first_name"); Options lists the valid
// choices when there are some (languages, parameter names).
type Error struct {
	Code    string
	Field   string
	Message string
	Options []string
}

// Error returns the message, which names the field.
func (e *Error) Error() string { return e.Message }

// HTTPStatus is the HTTP status an API answers e with: 404 for an
// unknown template or language, 409 for a duplicate or a change the
// template's state forbids, 422 otherwise.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeNotFound, CodeLanguageNotFound:
		return http.StatusNotFound
	case CodeDuplicate, CodeNotEditable:
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

func fail(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}
