package ariemu

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Options configures a Server. The zero value emulates the recorded
// setup: user ari/ari, PJSIP endpoints 1001, 1002 and 1003, none registered.
type Options struct {
	// Addr is the TCP address to listen on; default "127.0.0.1:0".
	Addr string
	// User and Password are the ARI credentials; default "ari" and "ari".
	User, Password string
	// Endpoints are the configured PJSIP endpoint names, in list order.
	Endpoints []string
	// AsteriskID is the entity id in events; default "02:fc:00:00:00:01".
	AsteriskID string
	// Modules are the loaded modules, e.g. "func_curl.so"; nil means those
	// wachan's set-up relies on.
	Modules []string
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Server is a running ARI emulator. Its methods are safe for concurrent use.
type Server struct {
	opts    Options
	log     *slog.Logger
	started time.Time

	mu        sync.Mutex
	ln        net.Listener
	addr      string
	conns     map[net.Conn]struct{}
	endpoints []*endpoint
	apps      map[string]*app
	inbox     map[string][]Received
	dialplan  []Extension
	missed    map[string]int // per application
	hold      chan struct{}  // closed to release held /ari/events upgrades
	changed   chan struct{}  // closed and replaced on every state change
	seq       uint64
	wg        sync.WaitGroup
}

// New starts an emulator listening on opts.Addr. Close it when done.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.User == "" {
		opts.User = "ari"
	}
	if opts.Password == "" {
		opts.Password = "ari"
	}
	if opts.Endpoints == nil {
		opts.Endpoints = []string{"1001", "1002", "1003"}
	}
	if opts.Modules == nil {
		opts.Modules = defaultModules
	}
	if opts.AsteriskID == "" {
		opts.AsteriskID = "02:fc:00:00:00:01"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:     opts,
		log:      log,
		started:  time.Now(),
		conns:    map[net.Conn]struct{}{},
		apps:     map[string]*app{},
		inbox:    map[string][]Received{},
		missed:   map[string]int{},
		dialplan: RecordedDialplan(),
		changed:  make(chan struct{}),
	}
	for i, name := range opts.Endpoints {
		s.endpoints = append(s.endpoints, &endpoint{name: name, port: 5080 + 2*i})
	}
	s.addr = opts.Addr
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Addr returns the listening address, e.g. "127.0.0.1:34567". It stays the
// same across Stop and Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns the ARI root URL, e.g. "http://127.0.0.1:34567/ari".
func (s *Server) URL() string {
	return "http://" + s.Addr() + "/ari"
}

// Start accepts connections again after Stop. It is a no-op when running.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.addr, err)
	}
	s.ln = ln
	s.addr = ln.Addr().String()
	s.wg.Add(1)
	go s.accept(ln)
	return nil
}

// Stop emulates Asterisk going down: the listener is closed so connects are
// refused, every connection is dropped with a plain TCP close (no websocket
// close frame), and all applications and subscriptions are forgotten.
// Registrations are kept, as Asterisk keeps them in astdb.
func (s *Server) Stop() {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	s.dropAll()
}

// Restart emulates "core stop now" followed by a start: every connection
// is dropped with a plain TCP close, applications and subscriptions are
// forgotten, registrations are kept, and new connections are accepted at
// once.
func (s *Server) Restart() error {
	s.Stop()
	return s.Start()
}

// Close stops the server and waits for its goroutines.
func (s *Server) Close() {
	s.HoldEvents(false)
	s.Stop()
	s.wg.Wait()
}

// dropAll closes every connection and forgets the applications.
func (s *Server) dropAll() {
	s.mu.Lock()
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.apps = map[string]*app{}
	s.changedLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Debug("accepting", slog.Any("error", err))
			}
			return
		}
		s.mu.Lock()
		if s.ln != ln {
			s.mu.Unlock()
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// now is the emulator's clock.
func (s *Server) now() time.Time { return time.Now() }
