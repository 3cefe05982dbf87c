package cloudapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// ErrMediaURLExpired is returned by Download when the media URL is no
// longer valid (HTTP 404): resolve the media id again for a fresh URL.
var ErrMediaURLExpired = errors.New("media url expired or unknown")

// ErrUntrustedMediaURL is returned by Download for a URL that is neither
// on the Graph API's host nor on one of Meta's media hosts over HTTPS: the
// access token is never sent there. Resolve the media id for a URL that
// is.
var ErrUntrustedMediaURL = errors.New("media url is not on Meta's media hosts")

// metaMediaDomains are the domains Meta serves media from: the URLs Graph
// API gives for a media id are on lookaside.fbsbx.com, and downloads may
// be redirected to Meta's CDNs.
var metaMediaDomains = []string{"fbsbx.com", "fbcdn.net", "whatsapp.net", "facebook.com"}

// metaMediaHost reports whether u is an HTTPS URL on one of Meta's media
// hosts, on the standard port.
func metaMediaHost(u *url.URL) bool {
	if u.Scheme != "https" || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for _, d := range metaMediaDomains {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// TrustedMediaURL reports whether Download would send the access token to
// rawURL: the Graph API's own host (as configured), or one of Meta's media
// hosts over HTTPS.
func (c *Client) TrustedMediaURL(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.User != nil {
		return false
	}
	return c.ownHost(u) || metaMediaHost(u)
}

func (c *Client) ownHost(u *url.URL) bool {
	return u.Host == c.baseHost && u.Scheme == c.baseScheme
}

// ErrMediaTooLarge is returned by Download when the media exceeds its
// size limit.
var ErrMediaTooLarge = errors.New("media larger than allowed")

// MediaInfo describes uploaded or received media. URL is valid for about
// five minutes and must be fetched with the access token (see Download).
type MediaInfo struct {
	ID       string `json:"id"`
	URL      string `json:"url"`
	MimeType string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	FileSize int64  `json:"file_size"`
}

// Matches reports whether sum is the SHA-256 that i announces. Meta writes
// the digest in hex in some answers and in base64 in others; both are
// accepted.
func (i MediaInfo) Matches(sum [sha256.Size]byte) bool {
	s := strings.TrimSpace(i.SHA256)
	if b, err := hex.DecodeString(s); err == nil && len(b) == sha256.Size {
		return bytes.Equal(b, sum[:])
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == sha256.Size {
		return bytes.Equal(b, sum[:])
	}
	return false
}

// ResolveMedia looks up mediaID and returns its short-lived download URL and
// metadata.
func (c *Client) ResolveMedia(ctx context.Context, creds Creds, mediaID string) (MediaInfo, error) {
	if err := needCreds(creds, false, false); err != nil {
		return MediaInfo{}, fmt.Errorf("resolving media: %w", err)
	}
	if mediaID == "" {
		return MediaInfo{}, fmt.Errorf("resolving media: %w", errMissing("media id"))
	}
	var q url.Values
	if creds.PhoneNumberID != "" {
		q = url.Values{"phone_number_id": {creds.PhoneNumberID}}
	}
	var info MediaInfo
	err := c.do(ctx, request{method: http.MethodGet, url: c.graphURL(q, mediaID), token: creds.Token}, &info)
	if err != nil {
		return MediaInfo{}, fmt.Errorf("resolving media: %w", err)
	}
	if info.URL == "" {
		return MediaInfo{}, fmt.Errorf("resolving media: %w", errors.New("answer carries no url"))
	}
	return info, nil
}

// Download copies the media at rawURL (from ResolveMedia) to w, sending the
// access token, and returns the number of bytes written. It refuses media
// larger than max bytes with ErrMediaTooLarge (w may then hold a partial
// copy) and reports an expired URL as ErrMediaURLExpired. The token is only
// sent to the Client's own Graph API host or to Meta's media hosts over
// HTTPS (see TrustedMediaURL), and the latter only at public addresses;
// any other URL is refused with ErrUntrustedMediaURL.
func (c *Client) Download(ctx context.Context, creds Creds, rawURL string, w io.Writer, max int64) (int64, error) {
	if err := needCreds(creds, false, false); err != nil {
		return 0, fmt.Errorf("downloading media: %w", err)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, fmt.Errorf("downloading media: parsing url: %w", err)
	}
	hc := c.http
	switch {
	case u.User != nil:
		return 0, fmt.Errorf("downloading media: refusing to send the token: %w", ErrUntrustedMediaURL)
	case c.ownHost(u):
	case metaMediaHost(u):
		hc = c.media
	default:
		return 0, fmt.Errorf("downloading media: refusing to send the token: %w", ErrUntrustedMediaURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("downloading media: building request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+creds.Token)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("downloading media: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return 0, fmt.Errorf("downloading media: %w", ErrMediaURLExpired)
	case resp.StatusCode != http.StatusOK:
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("downloading media: %w", parseError(resp.StatusCode, raw, creds.Token))
	case resp.ContentLength > max:
		return 0, fmt.Errorf("downloading media: %w (%d bytes, limit %d)", ErrMediaTooLarge, resp.ContentLength, max)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, max+1))
	if n > max {
		return max, fmt.Errorf("downloading media: %w (limit %d)", ErrMediaTooLarge, max)
	}
	if err != nil {
		return n, fmt.Errorf("downloading media: %w", err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("downloading media: %w", io.ErrUnexpectedEOF)
	}
	return n, nil
}

// UploadMedia uploads r as filename with MIME type mime for
// creds.PhoneNumberID and returns the media id to send. The body is
// streamed, not buffered, and r is not read after UploadMedia returns.
func (c *Client) UploadMedia(ctx context.Context, creds Creds, filename, mime string, r io.Reader) (string, error) {
	if err := needCreds(creds, true, false); err != nil {
		return "", fmt.Errorf("uploading media: %w", err)
	}
	if mime == "" {
		return "", fmt.Errorf("uploading media: %w", errMissing("mime type"))
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(writeUpload(mw, filename, mime, r))
	}()
	var resp struct {
		ID string `json:"id"`
	}
	err := c.do(ctx, request{
		method:      http.MethodPost,
		url:         c.graphURL(nil, creds.PhoneNumberID, "media"),
		token:       creds.Token,
		body:        pr,
		contentType: mw.FormDataContentType(),
	}, &resp)
	// Unblock the writer if the request ended before reading the body.
	pr.CloseWithError(errors.New("upload finished"))
	<-done
	if err != nil {
		return "", fmt.Errorf("uploading media: %w", err)
	}
	if resp.ID == "" {
		return "", fmt.Errorf("uploading media: %w", errors.New("answer carries no id"))
	}
	return resp.ID, nil
}

// writeUpload writes the multipart form Meta expects: messaging_product,
// file, type.
func writeUpload(mw *multipart.Writer, filename, mime string, r io.Reader) error {
	if err := mw.WriteField("messaging_product", "whatsapp"); err != nil {
		return err
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%s`, strconv.Quote(filename)))
	h.Set("Content-Type", mime)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, r); err != nil {
		return fmt.Errorf("reading media: %w", err)
	}
	if err := mw.WriteField("type", mime); err != nil {
		return err
	}
	return mw.Close()
}

// DeleteMedia deletes uploaded media.
func (c *Client) DeleteMedia(ctx context.Context, creds Creds, mediaID string) error {
	if err := needCreds(creds, false, false); err != nil {
		return fmt.Errorf("deleting media: %w", err)
	}
	if mediaID == "" {
		return fmt.Errorf("deleting media: %w", errMissing("media id"))
	}
	var q url.Values
	if creds.PhoneNumberID != "" {
		q = url.Values{"phone_number_id": {creds.PhoneNumberID}}
	}
	var resp successResponse
	err := c.do(ctx, request{method: http.MethodDelete, url: c.graphURL(q, mediaID), token: creds.Token}, &resp)
	if err != nil {
		return fmt.Errorf("deleting media: %w", err)
	}
	if !resp.Success {
		return fmt.Errorf("deleting media: %w", errors.New("answer is not success"))
	}
	return nil
}
