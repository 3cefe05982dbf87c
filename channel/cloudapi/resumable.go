package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ResumableTypes are the MIME types the Resumable Upload API takes.
var ResumableTypes = []string{"application/pdf", "image/jpeg", "image/png", "video/mp4"}

// UploadHandle uploads data through Meta's Resumable Upload API on behalf
// of the app appID and returns the file handle (such as "4::aW…") that
// template media headers take as their example: POST /{app-id}/uploads
// opens a session, POST /upload:{session} with file_offset 0 sends the
// bytes. The token must belong to a user with a role on the app.
func (c *Client) UploadHandle(ctx context.Context, token, appID, fileName, mimeType string, data []byte) (string, error) {
	switch {
	case token == "":
		return "", fmt.Errorf("uploading file: %w", errMissing("access token"))
	case appID == "":
		return "", fmt.Errorf("uploading file: %w", errMissing("app id"))
	case len(data) == 0:
		return "", fmt.Errorf("uploading file: %w", errMissing("file data"))
	}
	q := url.Values{"file_length": {strconv.Itoa(len(data))}, "file_type": {mimeType}}
	if fileName != "" {
		q.Set("file_name", fileName)
	}
	var session struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, url: c.graphURL(q, appID, "uploads"), token: token}, &session); err != nil {
		return "", fmt.Errorf("opening upload session: %w", err)
	}
	if session.ID == "" {
		return "", fmt.Errorf("opening upload session: %w", errMissing("session id in the answer"))
	}
	var out struct {
		H string `json:"h"`
	}
	if err := c.uploadData(ctx, token, session.ID, data, &out); err != nil {
		return "", fmt.Errorf("uploading file: %w", err)
	}
	if out.H == "" {
		return "", fmt.Errorf("uploading file: %w", errors.New("answer carries no file handle"))
	}
	return out.H, nil
}

// uploadData posts data to the session with the OAuth header Meta asks
// for; the session id ("upload:…") is one path segment, not escaped.
func (c *Client) uploadData(ctx context.Context, token, session string, data []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+c.version+"/"+session, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Authorization", "OAuth "+token)
	req.Header.Set("file_offset", "0")
	req.Header.Set("Content-Type", "application/octet-stream")
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONResponse))
	c.log.DebugContext(ctx, "graph upload", slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(start)))
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode >= 300 {
		return parseError(resp.StatusCode, raw, token)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding response: %w", err)
	}
	return nil
}
