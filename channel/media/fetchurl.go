package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/wachan/wachan/channel/outbound"
)

// newFetchClient returns the client for agents' URLs: bounded in time,
// following at most five http(s) redirects and, unless allowPrivate,
// connecting only to public addresses that are not the host's own
// (outbound.Guard: checked on the resolved address, so DNS cannot be used
// to get around it; through a proxy, on the requested host).
func newFetchClient(timeout time.Duration, allowPrivate bool) *http.Client {
	var tr *http.Transport
	if allowPrivate {
		tr = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			MaxIdleConns:          4,
			IdleConnTimeout:       30 * time.Second,
			DisableCompression:    true,
		}
	} else {
		tr = (&outbound.Guard{}).Transport(http.ProxyFromEnvironment)
	}
	return &http.Client{
		Timeout:   timeout,
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to a %q URL refused", req.URL.Scheme)
			}
			return nil
		},
	}
}

// checkURL accepts absolute http(s) URLs only.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return nil, refuse("%q is not a valid URL", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, refuse("only http and https URLs can be sent, not %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, refuse("%q is not a valid URL", raw)
	}
	if u.User != nil {
		return nil, refuse("URLs with a user name or password are not fetched")
	}
	return u, nil
}

// fetchURL downloads u into w, at most max bytes, and returns the file
// name the server suggests (Content-Disposition, else the URL's last path
// element).
func (s *Service) fetchURL(ctx context.Context, u *url.URL, w io.Writer, max int64) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", refuse("%q is not a valid URL", u.Redacted())
	}
	req.Header.Set("User-Agent", "wachan-media/1")
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, outbound.ErrNotPublic) {
			return "", refuse("URLs on the local network are not fetched")
		}
		return "", refuse("could not fetch the URL: %v", unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", refuse("the URL answered HTTP %d, not a file", resp.StatusCode)
	}
	if resp.ContentLength > max {
		return "", refuse("the file is %s, more than the %s limit", humanSize(resp.ContentLength), humanSize(max))
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, max+1))
	if n > max {
		return "", refuse("the file is more than the %s limit", humanSize(max))
	}
	if err != nil {
		return "", refuse("fetching the URL broke off: %v", unwrapURLError(err))
	}
	name := ""
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		name = params["filename"]
	}
	if name == "" {
		name = path.Base(resp.Request.URL.Path)
		if name == "/" || name == "." {
			name = ""
		}
	}
	return name, nil
}

// unwrapURLError drops net/url's "Get <url>:" prefix.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
