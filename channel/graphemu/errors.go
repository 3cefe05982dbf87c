package graphemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// graphError is one error answer in Meta's envelope.
type graphError struct {
	status     int
	code       int
	subcode    int
	typ        string
	message    string
	details    string
	retryAfter int // seconds; 0 leaves the header off
	// userTitle and userMsg are the error_user_title and error_user_msg
	// Meta adds to template management errors.
	userTitle, userMsg string
}

// codeInfo holds the HTTP status and message Meta uses for each code the
// emulator can produce.
var codeInfo = map[int]struct {
	status  int
	message string
}{
	0:      {http.StatusUnauthorized, "(#0) AuthException"},
	1:      {http.StatusInternalServerError, "An unknown error occurred"},
	2:      {http.StatusServiceUnavailable, "(#2) Service temporarily unavailable"},
	3:      {http.StatusForbidden, "(#3) Application does not have the capability to make this API call."},
	4:      {http.StatusTooManyRequests, "(#4) Application request limit reached"},
	10:     {http.StatusForbidden, "(#10) Application does not have permission for this action"},
	100:    {http.StatusBadRequest, "(#100) Invalid parameter"},
	190:    {http.StatusUnauthorized, "Error validating access token: Session has expired."},
	200:    {http.StatusForbidden, "(#200) Permissions error"},
	368:    {http.StatusForbidden, "(#368) Temporarily blocked for policies violations"},
	2200:   {http.StatusBadRequest, "(#2200) Callback verification failed"},
	80007:  {http.StatusTooManyRequests, "(#80007) Rate limit issues"},
	130429: {http.StatusTooManyRequests, "(#130429) Rate limit hit"},
	130472: {http.StatusBadRequest, "(#130472) User's number is part of an experiment"},
	131000: {http.StatusInternalServerError, "(#131000) Something went wrong"},
	131005: {http.StatusForbidden, "(#131005) Access denied"},
	131008: {http.StatusBadRequest, "(#131008) Required parameter is missing"},
	131009: {http.StatusBadRequest, "(#131009) Parameter value is not valid"},
	131016: {http.StatusServiceUnavailable, "(#131016) Service unavailable"},
	131021: {http.StatusBadRequest, "(#131021) Recipient cannot be sender"},
	131026: {http.StatusBadRequest, "(#131026) Message undeliverable"},
	131031: {http.StatusForbidden, "(#131031) Account has been locked"},
	131047: {http.StatusBadRequest, "(#131047) Re-engagement message"},
	131048: {http.StatusBadRequest, "(#131048) Spam rate limit hit"},
	131049: {http.StatusBadRequest, "(#131049) This message was not delivered to maintain healthy ecosystem engagement."},
	131050: {http.StatusBadRequest, "(#131050) Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business"},
	131051: {http.StatusBadRequest, "(#131051) Unsupported message type"},
	131052: {http.StatusBadRequest, "(#131052) Media download error"},
	131053: {http.StatusBadRequest, "(#131053) Media upload error"},
	131056: {http.StatusBadRequest, "(#131056) (Business Account, Consumer Account) pair rate limit hit"},
	131057: {http.StatusServiceUnavailable, "(#131057) Account in maintenance mode"},
	132000: {http.StatusBadRequest, "(#132000) Number of parameters does not match the expected number of params"},
	132001: {http.StatusNotFound, "(#132001) Template name does not exist in the translation"},
	132005: {http.StatusBadRequest, "(#132005) Translated text too long"},
	132007: {http.StatusBadRequest, "(#132007) Template Format Character Policy Violated"},
	132012: {http.StatusBadRequest, "(#132012) Parameter format does not match format in the created template"},
	132015: {http.StatusBadRequest, "(#132015) Template is Paused"},
	132016: {http.StatusBadRequest, "(#132016) Template is Disabled"},
	133004: {http.StatusServiceUnavailable, "(#133004) Server Temporarily Unavailable"},
	133005: {http.StatusBadRequest, "(#133005) Two step verification PIN Mismatch"},
	133010: {http.StatusBadRequest, "(#133010) Account not registered"},
}

// codeError builds the error Meta answers for code.
func codeError(code int) graphError {
	info, ok := codeInfo[code]
	if !ok {
		info.status = http.StatusBadRequest
		info.message = fmt.Sprintf("(#%d) Error", code)
	}
	e := graphError{status: info.status, code: code, typ: "OAuthException", message: info.message}
	if info.status == http.StatusTooManyRequests {
		e.retryAfter = 1
	}
	return e
}

// withDetails returns e with error_data.details set.
func (e graphError) withDetails(format string, args ...any) graphError {
	e.details = fmt.Sprintf(format, args...)
	return e
}

// errParam is Meta's (#100) answer for a missing or wrong parameter.
func errParam(message string) graphError {
	return graphError{status: http.StatusBadRequest, code: 100, typ: "OAuthException", message: message}
}

// errUnknownObject is Meta's answer for an id that does not exist or that
// the token cannot see: 100 / subcode 33.
func errUnknownObject(method, id string) graphError {
	return graphError{
		status:  http.StatusBadRequest,
		code:    100,
		subcode: 33,
		typ:     "GraphMethodException",
		message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", method, id),
	}
}

func errUnknownPath(path string) graphError {
	return graphError{status: http.StatusBadRequest, code: 2500, typ: "OAuthException", message: "Unknown path components: " + path}
}

func errNoToken() graphError {
	return graphError{status: http.StatusUnauthorized, code: 190, typ: "OAuthException", message: "An active access token must be used to query information about the current user."}
}

func errBadToken() graphError {
	return graphError{status: http.StatusUnauthorized, code: 190, typ: "OAuthException", message: "Invalid OAuth access token - Cannot parse access token"}
}

func errExpiredToken() graphError {
	return graphError{status: http.StatusUnauthorized, code: 190, subcode: 463, typ: "OAuthException", message: "Error validating access token: Session has expired."}
}

type wireError struct {
	Message   string         `json:"message"`
	Type      string         `json:"type"`
	Code      int            `json:"code"`
	Subcode   int            `json:"error_subcode,omitempty"`
	ErrorData *wireErrorData `json:"error_data,omitempty"`
	UserTitle string         `json:"error_user_title,omitempty"`
	UserMsg   string         `json:"error_user_msg,omitempty"`
	FBTraceID string         `json:"fbtrace_id"`
}

type wireErrorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

// writeError answers with e in Meta's envelope.
func writeError(w http.ResponseWriter, e graphError) {
	we := wireError{Message: e.message, Type: e.typ, Code: e.code, Subcode: e.subcode, UserTitle: e.userTitle, UserMsg: e.userMsg, FBTraceID: newTraceID()}
	if e.details != "" {
		we.ErrorData = &wireErrorData{MessagingProduct: "whatsapp", Details: e.details}
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	writeJSON(w, e.status, map[string]wireError{"error": we})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
