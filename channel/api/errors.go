package api

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// Error is an API error with a stable code.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The API's errors; Message is a default that callers may refine.
var (
	ErrUnauthorized = &Error{Status: fiber.StatusUnauthorized, Code: "unauthorized", Message: "missing or wrong token (Authorization: Bearer <admin token or API key>)"}
	ErrForbidden    = &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "this credential may not do that"}
	ErrNotFound     = &Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "no such resource"}
	ErrBadJSON      = &Error{Status: fiber.StatusBadRequest, Code: "bad_json", Message: "request body is not valid JSON"}
	ErrInvalid      = &Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "invalid value"}
	ErrWindowClosed = &Error{Status: fiber.StatusConflict, Code: "window_closed", Message: "more than 24 h since the customer's last message: only a template can reach them now"}
	ErrOptedOut     = &Error{Status: fiber.StatusConflict, Code: "opted_out", Message: "the customer opted out of messages from this number"}
	ErrDuplicate    = &Error{Status: fiber.StatusConflict, Code: "duplicate", Message: "already exists"}
	ErrTooLarge     = &Error{Status: fiber.StatusRequestEntityTooLarge, Code: "too_large", Message: "request body too large"}
	ErrInternal     = &Error{Status: fiber.StatusInternalServerError, Code: "internal", Message: "internal error; see the daemon's log"}
)

// Invalid returns a validation error naming field, for other packages'
// handlers.
func Invalid(field, format string, args ...any) *Error {
	return invalid(field, format, args...)
}

// NotFound returns a not-found error naming what was looked for.
func NotFound(what, id string) *Error { return notFound(what, id) }

// invalid returns a validation error naming field.
func invalid(field, format string, args ...any) *Error {
	return &Error{Status: ErrInvalid.Status, Code: ErrInvalid.Code, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

func notFound(what, id string) *Error {
	return &Error{Status: ErrNotFound.Status, Code: ErrNotFound.Code, Message: fmt.Sprintf("%s %q not found", what, id)}
}

// ErrorHandler renders every error returned by a handler in the API's shape.
// log must not be nil.
func ErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var (
			apiErr *Error
			fe     *fiber.Error
		)
		switch {
		case errors.As(err, &apiErr):
		case errors.Is(err, store.ErrNotFound):
			apiErr = ErrNotFound
		case errors.As(err, &fe):
			code := map[int]string{400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}[fe.Code]
			if code == "" {
				code = "http_error"
			}
			apiErr = &Error{Status: fe.Code, Code: code, Message: fe.Message}
		default:
			log.Error("request failed", slog.String("path", c.Path()), slog.Any("error", err))
			apiErr = ErrInternal
		}
		return c.Status(apiErr.Status).JSON(fiber.Map{"error": apiErr})
	}
}
