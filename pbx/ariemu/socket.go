package ariemu

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socket is one accepted /ari/events websocket.
type socket struct {
	mu   sync.Mutex
	conn *websocket.Conn
}

// send writes one frame; errors are left to the reader to notice.
func (k *socket) send(typ int, data []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.conn == nil {
		return
	}
	k.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	k.conn.WriteMessage(typ, data)
}

// serveEvents authenticates and upgrades a /ari/events request, then
// serves the socket until it closes. It reports whether the connection
// stays an HTTP connection (the upgrade was refused).
func (s *Server) serveEvents(c net.Conn, br *bufio.Reader, req *http.Request) bool {
	bw := bufio.NewWriter(c)
	if !s.authorized(req) {
		r := s.handle(req) // the REST path answers the same 401
		return r.write(bw, s.now()) == nil
	}
	name := req.URL.Query().Get("app")
	if name == "" {
		// Asterisk writes an error page and then its websocket server's
		// own bare 400 on the same connection.
		htmlError(http.StatusBadRequest, "HTTP request is missing param: [app]").write(bw, s.now())
		return s.eventsWithoutUpgrade(req, nil).write(bw, s.now()) == nil
	}
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	h := &hijacker{c: c, br: br, header: http.Header{}}
	up := websocket.Upgrader{
		CheckOrigin: func(*http.Request) bool { return true },
		Error: func(w http.ResponseWriter, r *http.Request, status int, reason error) {
			s.eventsWithoutUpgrade(r, nil).write(bw, s.now())
		},
	}
	// The app is attached before the 101 goes out, so that it exists as
	// soon as the client sees the handshake; events raised meanwhile wait
	// on sock.mu and follow the handshake.
	sock := &socket{}
	sock.mu.Lock()
	s.attach(name, sock)
	conn, err := up.Upgrade(h, req, nil)
	sock.conn = conn
	sock.mu.Unlock()
	if err != nil {
		s.log.Debug("websocket upgrade failed", slog.Any("error", err))
		s.detach(name, sock)
		return false
	}
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}
	s.detach(name, sock)
	return false
}

// attach makes sock the socket of application name, creating the app on
// its first connection and sending ApplicationReplaced to a socket it
// takes over from. The old socket stays open and gets nothing more.
func (s *Server) attach(name string, sock *socket) {
	s.mu.Lock()
	a := s.apps[name]
	if a == nil {
		a = &app{name: name, subs: map[string]int{}}
		s.apps[name] = a
	}
	old := a.sock
	a.sock = sock
	s.cleanupLocked()
	s.changedLocked()
	s.mu.Unlock()
	if old != nil {
		old.send(websocket.TextMessage, marshal(applicationReplaced{
			Type: "ApplicationReplaced", Timestamp: formatTime(s.now()),
			Application: name, AsteriskID: s.opts.AsteriskID,
		}))
	}
}

// detach deactivates the application served by sock, destroying it when it
// has no subscriptions.
func (s *Server) detach(name string, sock *socket) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[name]
	if a == nil || a.sock != sock {
		return
	}
	a.sock = nil
	s.cleanupLocked()
	s.changedLocked()
}

// cleanupLocked destroys every inactive application without subscriptions,
// as res_stasis does when a websocket connects or closes: an application
// unsubscribed while inactive lingers until then. s.mu must be held.
func (s *Server) cleanupLocked() {
	for name, a := range s.apps {
		if a.sock == nil && len(a.subs) == 0 {
			delete(s.apps, name)
		}
	}
}

// HoldEvents(true) makes /ari/events upgrades wait, unanswered, until
// HoldEvents(false): tests use it to pin the moments before a client has
// (re)connected its application, such as the seconds after an Asterisk
// restart while the client backs off. Close releases held upgrades.
func (s *Server) HoldEvents(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case on && s.hold == nil:
		s.hold = make(chan struct{})
	case !on && s.hold != nil:
		close(s.hold)
		s.hold = nil
	}
}

// AppState reports whether application name exists and whether a socket
// serves it.
func (s *Server) AppState(name string) (exists, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[name]
	return a != nil, a != nil && a.sock != nil
}

// WaitAppState waits until AppState(name) returns exists and active.
func (s *Server) WaitAppState(ctx context.Context, name string, exists, active bool) error {
	return s.waitFor(ctx, func() bool {
		a := s.apps[name]
		return (a != nil) == exists && (a != nil && a.sock != nil) == active
	})
}
