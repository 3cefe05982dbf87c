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
	"strings"
	"time"

	"github.com/wachan/wachan/channel/outbound"
)

// DefaultBaseURL is the Graph API host used when Options.BaseURL is empty.
const DefaultBaseURL = "https://graph.facebook.com"

// DefaultVersion is the Graph API version used when Options.Version is empty.
const DefaultVersion = "v25.0"

// maxJSONResponse bounds how much of a JSON answer is read.
const maxJSONResponse = 8 << 20

// Options configures a Client. The zero value talks to Meta's production
// host with DefaultVersion.
type Options struct {
	// BaseURL is the scheme and host of the Graph API, without the version.
	BaseURL string
	// Version is the Graph API version, such as "v25.0".
	Version string
	// HTTP is the client used for every request; nil means a client with a
	// 30 s timeout.
	HTTP *http.Client
	// MediaHTTP downloads media from Meta's media hosts; nil means a
	// client with HTTP's timeout that connects only to public addresses
	// (outbound.Guard) and follows redirects only to Meta's media hosts.
	MediaHTTP *http.Client
	// Logger receives debug lines about each request; nil discards them.
	Logger *slog.Logger
}

// Creds are the per-number credentials of one call. Token is a secret: Creds
// formats and logs itself without it.
type Creds struct {
	PhoneNumberID string
	WABAID        string
	Token         string
}

// String describes c without its token.
func (c Creds) String() string {
	return fmt.Sprintf("{PhoneNumberID:%s WABAID:%s Token:%s}", c.PhoneNumberID, c.WABAID, mask(c.Token))
}

// GoString describes c without its token, for %#v.
func (c Creds) GoString() string { return "cloudapi.Creds" + c.String() }

// LogValue logs c without its token.
func (c Creds) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("phone_number_id", c.PhoneNumberID),
		slog.String("waba_id", c.WABAID),
		slog.String("token", mask(c.Token)),
	)
}

func mask(token string) string {
	if token == "" {
		return "(none)"
	}
	return "(set)"
}

// Client calls the Graph API. It is safe for concurrent use.
type Client struct {
	base       string
	baseHost   string
	baseScheme string
	version    string
	http       *http.Client
	media      *http.Client
	log        *slog.Logger
}

// New returns a Client configured by opts.
func New(opts Options) *Client {
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	version := strings.Trim(opts.Version, "/")
	if version == "" {
		version = DefaultVersion
	}
	hc := opts.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var host, scheme string
	if u, err := url.Parse(base); err == nil {
		host, scheme = u.Host, u.Scheme
	}
	media := opts.MediaHTTP
	if media == nil {
		media = &http.Client{Timeout: hc.Timeout, Transport: (&outbound.Guard{}).Transport(http.ProxyFromEnvironment),
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 || !metaMediaHost(req.URL) {
					return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), ErrUntrustedMediaURL)
				}
				return nil
			}}
	}
	return &Client{base: base, baseHost: host, baseScheme: scheme, version: version, http: hc, media: media, log: log}
}

// request describes one Graph API call.
type request struct {
	method      string
	url         string
	token       string
	body        io.Reader
	contentType string
}

// graphURL builds the URL of a path below the version, escaping each id.
func (c *Client) graphURL(query url.Values, segments ...string) string {
	var b strings.Builder
	b.WriteString(c.base)
	b.WriteString("/")
	b.WriteString(c.version)
	for _, s := range segments {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	if len(query) > 0 {
		b.WriteString("?")
		b.WriteString(query.Encode())
	}
	return b.String()
}

// jsonBody encodes v as a request body.
func jsonBody(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding request: %w", err)
	}
	return bytes.NewReader(b), nil
}

// do performs r and decodes a successful JSON answer into out (when not nil).
// Error answers become *APIError or *StatusError with the token scrubbed.
func (c *Client) do(ctx context.Context, r request, out any) error {
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, r.body)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	req.Header.Set("Accept", "application/json")
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.DebugContext(ctx, "graph request failed", slog.String("method", r.method), slog.String("path", req.URL.Path), slog.Any("err", err))
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONResponse))
	c.log.DebugContext(ctx, "graph request",
		slog.String("method", r.method),
		slog.String("path", req.URL.Path),
		slog.Int("status", resp.StatusCode),
		slog.Duration("took", time.Since(start)))
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode >= 300 {
		return parseError(resp.StatusCode, raw, r.token)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding response: %w", err)
	}
	return nil
}

// errMissing reports a credential or argument the call needs.
func errMissing(what string) error {
	return fmt.Errorf("%w: %s", ErrMissingArgument, what)
}

// ErrMissingArgument is returned when a call lacks a credential or an id.
var ErrMissingArgument = errors.New("missing argument")

func needCreds(c Creds, phone, waba bool) error {
	if c.Token == "" {
		return errMissing("access token")
	}
	if phone && c.PhoneNumberID == "" {
		return errMissing("phone number id")
	}
	if waba && c.WABAID == "" {
		return errMissing("WhatsApp Business Account id")
	}
	return nil
}
