package ariemu

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// maxRequestLine is Asterisk's request-line buffer (MAX_HTTP_LINE_LENGTH).
	maxRequestLine = 4096
	// maxBody is Asterisk's limit for a request body (MAX_CONTENT_LENGTH).
	maxBody = 40960
)

// serveConn runs the HTTP/1.1 keep-alive loop of one connection.
func (s *Server) serveConn(c net.Conn) {
	s.serveHTTP(c, bufio.NewReaderSize(c, maxRequestLine))
}

// serveHTTP answers requests from br until the connection ends or becomes
// a websocket.
func (s *Server) serveHTTP(c net.Conn, br *bufio.Reader) {
	bw := bufio.NewWriter(c)
	for {
		req, resp := s.readRequest(c, br)
		if req == nil && resp == nil {
			return
		}
		if resp == nil && isUpgrade(req) && req.URL.Path == "/ari/events" {
			if s.serveEvents(c, br, req) {
				continue
			}
			return
		}
		if resp == nil {
			resp = s.handle(req)
		}
		if err := resp.write(bw, s.now()); err != nil {
			return
		}
		if resp.close {
			lingerClose(c)
			return
		}
	}
}

// readRequest reads one request with its body. It returns (nil, nil) when
// the connection should just be closed, and a response instead of
// dispatching when the HTTP layer rejects the request.
func (s *Server) readRequest(c net.Conn, br *bufio.Reader) (*http.Request, *response) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) >= maxRequestLine {
		r := htmlError(http.StatusBadRequest, "Request line too long")
		r.close = true
		return nil, r
	}
	if err != nil {
		return nil, nil
	}
	parts := strings.Fields(string(line))
	if len(parts) != 3 {
		return nil, nil
	}
	u, err := url.ParseRequestURI(parts[1])
	if err != nil {
		return nil, nil
	}
	hdr, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return nil, nil
	}
	req := &http.Request{
		Method:     parts[0],
		URL:        u,
		RequestURI: parts[1],
		Proto:      parts[2],
		Header:     http.Header(hdr),
		Host:       hdr.Get("Host"),
		RemoteAddr: c.RemoteAddr().String(),
		Body:       http.NoBody,
	}
	var body []byte
	switch {
	case strings.EqualFold(hdr.Get("Transfer-Encoding"), "chunked"):
		body, err = io.ReadAll(io.LimitReader(httputil.NewChunkedReader(br), maxBody+1))
		if err != nil {
			return nil, nil
		}
	case hdr.Get("Content-Length") != "":
		n, err := strconv.Atoi(hdr.Get("Content-Length"))
		if err != nil || n < 0 {
			return nil, nil
		}
		if n > maxBody {
			r := errorResponse(http.StatusRequestEntityTooLarge, "Request body too large")
			r.close = true
			return req, r
		}
		body = make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, nil
		}
	}
	if len(body) > maxBody {
		r := errorResponse(http.StatusRequestEntityTooLarge, "Request body too large")
		r.close = true
		return req, r
	}
	req.ContentLength = int64(len(body))
	req.Body = io.NopCloser(bytes.NewReader(body))
	return req, nil
}

// isUpgrade reports whether req asks for a websocket.
func isUpgrade(req *http.Request) bool {
	return strings.EqualFold(req.Header.Get("Upgrade"), "websocket")
}

// lingerClose half-closes c and discards what the client still sends, so
// that the client reads the answer instead of a connection reset.
func lingerClose(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, c)
}

// hijacker hands the raw connection to gorilla/websocket's Upgrader.
type hijacker struct {
	c      net.Conn
	br     *bufio.Reader
	header http.Header
	status int
	buf    bytes.Buffer
}

func (h *hijacker) Header() http.Header { return h.header }

func (h *hijacker) WriteHeader(status int) { h.status = status }

func (h *hijacker) Write(p []byte) (int, error) { return h.buf.Write(p) }

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.c, bufio.NewReadWriter(h.br, bufio.NewWriter(h.c)), nil
}
