package graphemu

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// FailNext makes the next n requests addressed to the number pnid (sends,
// read receipts, uploads and profile reads) fail with Meta's envelope for
// code and a plausible HTTP status (5xx for 1, 2, 131000, 131016, 131057,
// 133004; 429 for 4, 80007, 130429; 401 for 190).
func (s *Server) FailNext(pnid string, n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[pnid] = append(s.faults[pnid], code)
	}
}

// SetDelay makes every Graph API request wait d before it is handled.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// takeFault pops the next injected fault of pnid; s.mu must be held.
func (s *Server) takeFault(pnid string) (graphError, bool) {
	q := s.faults[pnid]
	if len(q) == 0 {
		return graphError{}, false
	}
	s.faults[pnid] = q[1:]
	return codeError(q[0]).withDetails("injected fault"), true
}

// FailSeq makes the next requests addressed to pnid fail with codes, in
// order, as FailNext does for one code.
func (s *Server) FailSeq(pnid string, codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[pnid] = append(s.faults[pnid], codes...)
}

// ClearFaults drops the injected faults of pnid still to fire.
func (s *Server) ClearFaults(pnid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, pnid)
}

// PendingFaults returns how many injected faults of pnid are still to fire.
func (s *Server) PendingFaults(pnid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults[pnid])
}

// FaultProxy is a TCP proxy on loopback in front of a Server (or any HTTP
// server) that can cut connections the way a flaky network does. A cut
// connection is reset (RST) before any byte of the request that met the
// fault reaches the server, so the server never acts on it. Its methods
// are safe for concurrent use.
type FaultProxy struct {
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu     sync.Mutex
	resets int // requests still to cut
	cut    int // requests cut so far
	hangs  int // requests still to swallow
	hung   int // requests swallowed so far
	conns  map[net.Conn]struct{}
	closed bool
}

// NewFaultProxy listens on a fresh 127.0.0.1 port and forwards every
// connection to target (host:port, or an http:// URL such as the one Start
// returns). Close it when done.
func NewFaultProxy(target string) (*FaultProxy, error) {
	target = strings.TrimPrefix(target, "http://")
	target, _, _ = strings.Cut(target, "/")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting fault proxy: %w", err)
	}
	p := &FaultProxy{target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	return p, nil
}

// URL returns the proxy's base URL, such as "http://127.0.0.1:41234".
func (p *FaultProxy) URL() string { return "http://" + p.ln.Addr().String() }

// ResetNext makes the proxy reset the connection of each of the next n
// requests (counted by the first bytes a client writes after the fault is
// armed) instead of forwarding them.
func (p *FaultProxy) ResetNext(n int) {
	p.mu.Lock()
	p.resets += n
	p.mu.Unlock()
}

// HangNext makes the proxy swallow each of the next n requests: it is
// never forwarded nor answered, so the client times out (the server never
// sees it); the connection is reset once the client gives up.
func (p *FaultProxy) HangNext(n int) {
	p.mu.Lock()
	p.hangs += n
	p.mu.Unlock()
}

// Hangs returns how many requests the proxy has swallowed.
func (p *FaultProxy) Hangs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hung
}

// Resets returns how many requests the proxy has cut.
func (p *FaultProxy) Resets() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut
}

// Close stops the proxy, drops every connection and waits for its
// goroutines.
func (p *FaultProxy) Close() error {
	p.mu.Lock()
	p.closed = true
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	p.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("closing fault proxy: %w", err)
	}
	return nil
}

// track adds c to the open connections, or reports false when closed.
func (p *FaultProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *FaultProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// fault is what the proxy does with a client's next bytes.
type fault int

const (
	forward fault = iota
	cutConn
	hangConn
)

// takeFault consumes one armed fault: hangs first, then resets.
func (p *FaultProxy) takeFault() fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.hangs > 0:
		p.hangs--
		p.hung++
		return hangConn
	case p.resets > 0:
		p.resets--
		p.cut++
		return cutConn
	}
	return forward
}

func (p *FaultProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

// serve forwards one client connection. Each chunk the client writes is
// checked against the armed resets before it is forwarded.
func (p *FaultProxy) serve(client net.Conn) {
	if !p.track(client) {
		client.Close()
		return
	}
	defer p.untrack(client)
	defer client.Close()
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		reset(client)
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.untrack(server)
	defer server.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(client, server)
		client.Close()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			switch p.takeFault() {
			case hangConn:
				// Swallow until the client gives up.
				for err == nil {
					_, err = client.Read(buf)
				}
				fallthrough
			case cutConn:
				reset(client)
				server.Close()
				<-done
				return
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			if tc, ok := server.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			}
			break
		}
	}
	<-done
}

// reset closes c with an RST instead of a FIN.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}
