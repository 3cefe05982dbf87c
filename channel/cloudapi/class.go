package cloudapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// Class groups errors by what the caller should do about them.
type Class int

const (
	// Never means the request must not be retried as is: fix the payload,
	// the configuration or the recipient first.
	Never Class = iota
	// Retry means a transient failure: retry with Backoff.
	Retry
	// PairBackoff means too many messages to one recipient (131056): wait
	// 4^n seconds before sending to that recipient again; others are fine.
	PairBackoff
	// RefreshToken means the access token expired (190): retry once the
	// token has been replaced.
	RefreshToken
	// Pause means Meta is limiting the number for quality or policy
	// reasons: stop sending for a long while.
	Pause
)

// String names c.
func (c Class) String() string {
	switch c {
	case Never:
		return "never"
	case Retry:
		return "retry"
	case PairBackoff:
		return "pair-backoff"
	case RefreshToken:
		return "refresh-token"
	case Pause:
		return "pause"
	}
	return "unknown"
}

// classOfCode maps a Graph API error code to a class; status is used only
// for codes the table does not know.
func classOfCode(code, status int) Class {
	switch code {
	case 1, 2, 4, 80007, 130429, 131000, 131016, 131057, 133004:
		return Retry
	case 131056:
		return PairBackoff
	case 190:
		return RefreshToken
	case 131048, 131049, 368:
		return Pause
	case 0, 3, 10, 100, 131009, 131021, 131026, 131047, 131050, 131051,
		131052, 131053, 133010:
		return Never
	}
	switch {
	case code >= 200 && code <= 299:
		return Never
	case code >= 132000 && code <= 132999:
		return Never
	case status >= 500:
		return Retry
	}
	return Never
}

// ClassOf classifies any error returned by a Client. Graph API errors are
// classified by code; network failures, timeouts, connection resets, 429s and
// 5xx answers without an envelope are Retry; a cancelled context, validation
// errors and everything else are Never. ClassOf(nil) is Never.
func ClassOf(err error) Class {
	if err == nil {
		return Never
	}
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		return apiErr.Class()
	}
	if st, ok := errors.AsType[*StatusError](err); ok {
		if st.HTTPStatus >= 500 || st.HTTPStatus == http.StatusTooManyRequests {
			return Retry
		}
		return Never
	}
	if errors.Is(err, context.Canceled) {
		return Never
	}
	if errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) {
		return Retry
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return Retry
	}
	return Never
}

// Backoff returns how long to wait before attempt number attempt+1 after
// attempt (counted from 0) failed with class. Retry doubles from 1 s up to a
// one-minute cap; PairBackoff waits 4^attempt seconds (1 s, 4 s, 16 s, …)
// up to 4^6 s; Pause waits an hour; RefreshToken and Never return 0 because
// they wait for a person, not a timer. Callers may add jitter.
func Backoff(class Class, attempt int) time.Duration {
	if attempt < 0 {
		attempt = 0
	}
	switch class {
	case Retry:
		const maxRetry = time.Minute
		if attempt >= 6 {
			return maxRetry
		}
		return min(time.Second<<attempt, maxRetry)
	case PairBackoff:
		attempt = min(attempt, 6)
		d := time.Second
		for range attempt {
			d *= 4
		}
		return d
	case Pause:
		return time.Hour
	}
	return 0
}
