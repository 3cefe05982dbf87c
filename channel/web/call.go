package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// apiError is an error answered by the admin API.
type apiError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// call runs an admin API request in-process and decodes its answer into
// out (when not nil); the API's own validation messages come back as
// apiError.
func (w *Web) call(method, path string, body, out any) *apiError {
	return w.callWith(w.opts.API, method, path, body, out)
}

// callAgent is call with the rights of the agent with extension ext.
func (w *Web) callAgent(ext, method, path string, body, out any) *apiError {
	if w.opts.AgentAPI == nil {
		return &apiError{Status: 403, Code: "forbidden", Message: "the console cannot call the API"}
	}
	return w.callWith(w.opts.AgentAPI(ext), method, path, body, out)
}

func (w *Web) callWith(api APICaller, method, path string, body, out any) *apiError {
	status, data, err := api(method, path, body)
	if err != nil {
		w.log.Error("calling the admin API", slog.String("path", path), slog.Any("error", err))
		return &apiError{Status: 500, Code: "internal", Message: "internal error; see the daemon's log"}
	}
	if status >= 300 {
		var e struct{ Error apiError }
		if err := json.Unmarshal(data, &e); err != nil || e.Error.Message == "" {
			return &apiError{Status: status, Code: "http_error", Message: fmt.Sprintf("the API answered %d", status)}
		}
		e.Error.Status = status
		return &e.Error
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			w.log.Error("decoding the admin API's answer", slog.String("path", path), slog.Any("error", err))
			return &apiError{Status: 500, Code: "internal", Message: "internal error; see the daemon's log"}
		}
	}
	return nil
}

// fieldErrors maps an API validation error to the form field it names.
func fieldErrors(e *apiError) (map[string]string, string) {
	if e == nil {
		return nil, ""
	}
	if e.Field != "" {
		return map[string]string{e.Field: e.Message}, ""
	}
	return nil, e.Message
}
