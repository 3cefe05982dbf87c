package ariemu

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// response is one HTTP answer, written with Asterisk's header order:
// Server, Date, [Connection], Cache-Control, extra headers, [Content-type],
// Content-Length.
type response struct {
	status      int
	extra       [][2]string
	contentType string
	body        []byte
	close       bool
}

// write serialises r onto w with the given Date.
func (r *response) write(w *bufio.Writer, now time.Time) error {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", r.status, http.StatusText(r.status))
	fmt.Fprintf(w, "Server: Asterisk/22.10.1\r\n")
	fmt.Fprintf(w, "Date: %s\r\n", now.UTC().Format(http.TimeFormat))
	if r.close {
		fmt.Fprintf(w, "Connection: close\r\n")
	}
	fmt.Fprintf(w, "Cache-Control: no-cache, no-store\r\n")
	for _, h := range r.extra {
		fmt.Fprintf(w, "%s: %s\r\n", h[0], h[1])
	}
	if r.contentType != "" {
		fmt.Fprintf(w, "Content-type: %s\r\n", r.contentType)
	}
	fmt.Fprintf(w, "Content-Length: %s\r\n\r\n", strconv.Itoa(len(r.body)))
	w.Write(r.body)
	return w.Flush()
}

// jsonResponse answers status with v encoded the way Asterisk does
// (compact, no HTML escaping, no trailing newline).
func jsonResponse(status int, v any) *response {
	return &response{status: status, contentType: "application/json", body: marshal(v)}
}

// errorResponse answers status with {"message":msg}.
func errorResponse(status int, msg string) *response {
	return jsonResponse(status, struct {
		Message string `json:"message"`
	}{msg})
}

// htmlError is the text/html page Asterisk's HTTP layer writes for errors
// raised before ARI sees the request.
func htmlError(status int, text string) *response {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	body := "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n" +
		"<html><head>\r\n<title>" + title + "</title>\r\n</head><body>\r\n" +
		"<h1>" + http.StatusText(status) + "</h1>\r\n<p>" + text + "</p>\r\n<hr />\r\n" +
		"<address>Asterisk/22.10.1</address>\r\n</body></html>\r\n"
	return &response{status: status, contentType: "text/html", body: []byte(body)}
}

// marshal encodes v as compact JSON without HTML escaping.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("ariemu: encoding %T: %v", v, err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// formatTime formats t like Asterisk's ARI timestamps: 2026-11-22T17:57:49.361+0000.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000-0700")
}
