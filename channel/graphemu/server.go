package graphemu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Version, when set, is the only Graph API version accepted (such as
	// "v25.0"); empty accepts any vN.N.
	Version string
	// Logger receives request and delivery logs; nil discards them.
	Logger *slog.Logger
	// Statuses are the statuses fired, in order, for each accepted message.
	// nil means sent, delivered, read; an empty non-nil slice fires none.
	Statuses []string
	// StatusDelay separates consecutive statuses of one message.
	StatusDelay time.Duration
	// MediaURLTTL is how long a resolved media URL stays valid; 0 means
	// five minutes.
	MediaURLTTL time.Duration
	// TemplatePageSize caps the templates of one page; 0 means 25.
	TemplatePageSize int
	// Now is the clock for timestamps, media URL expiry and rate limits;
	// nil means time.Now.
	Now func() time.Time
	// HTTP delivers webhooks; nil means a client with a 5 s timeout.
	HTTP *http.Client
	// MaxPendingWebhooks bounds the webhook queue; beyond it webhooks are
	// dropped and logged. 0 means 10,000.
	MaxPendingWebhooks int
}

// Server emulates the Graph API. Its methods are safe for concurrent use.
type Server struct {
	opts     Options
	log      *slog.Logger
	now      func() time.Time
	hc       *http.Client
	mux      *http.ServeMux
	statuses []string

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	dispatch *dispatcher
	httpSrv  *http.Server

	mu         sync.Mutex
	seq        uint64
	numbers    map[string]*number
	expired    map[string]bool
	media      map[string]*media
	mediaURLs  map[string]mediaURL
	templates  map[string][]Template
	faults     map[string][]int
	delay      time.Duration
	deliveries []Delivery
	closed     bool

	apps        map[string]*App
	subs        map[string]map[string]*subscription // WABA id → app id
	gated       int
	quickstarts int
	// auth is the template authoring state, made on first use.
	auth *authoring
}

var versionPattern = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// New returns a Server configured by opts. Call Close when done.
func New(opts Options) *Server {
	s := &Server{
		opts:      opts,
		log:       opts.Logger,
		now:       opts.Now,
		hc:        opts.HTTP,
		statuses:  opts.Statuses,
		numbers:   make(map[string]*number),
		expired:   make(map[string]bool),
		media:     make(map[string]*media),
		mediaURLs: make(map[string]mediaURL),
		templates: make(map[string][]Template),
		faults:    make(map[string][]int),
		apps:      make(map[string]*App),
		subs:      make(map[string]map[string]*subscription),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 5 * time.Second}
	}
	if s.statuses == nil {
		s.statuses = []string{"sent", "delivered", "read"}
	}
	if s.opts.MediaURLTTL <= 0 {
		s.opts.MediaURLTTL = 5 * time.Minute
	}
	if s.opts.TemplatePageSize <= 0 {
		s.opts.TemplatePageSize = 25
	}
	if s.opts.MaxPendingWebhooks <= 0 {
		s.opts.MaxPendingWebhooks = 10000
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.dispatch = newDispatcher(s.opts.MaxPendingWebhooks)
	s.wg.Go(func() { s.dispatch.run(s.ctx, s.deliver) })
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /{ver}/{id}/messages", s.graph(s.handleMessages))
	s.mux.HandleFunc("POST /{ver}/{id}/media", s.graph(s.handleUpload))
	s.mux.HandleFunc("GET /{ver}/{id}/message_templates", s.graph(s.handleTemplates))
	s.mux.HandleFunc("POST /{ver}/{id}/register", s.graph(s.handleRegister))
	s.mux.HandleFunc("/{ver}/{id}/subscribed_apps", s.graph(s.handleSubscribedApps))
	s.mux.HandleFunc("POST /{ver}/{id}/message_templates", s.graph(s.handleCreateTemplate))
	s.mux.HandleFunc("DELETE /{ver}/{id}/message_templates", s.graph(s.handleDeleteTemplate))
	s.mux.HandleFunc("POST /{ver}/{id}/uploads", s.graph(s.handleStartUpload))
	s.mux.HandleFunc("POST /{ver}/{id}", s.graph(s.handlePost))
	s.mux.HandleFunc("GET /{ver}/{id}", s.graph(s.handleGet))
	s.mux.HandleFunc("DELETE /{ver}/{id}", s.graph(s.handleDelete))
	s.mux.HandleFunc("GET "+downloadPath+"{token}", s.handleDownload)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errUnknownPath(r.URL.Path))
	})
}

// Handler returns the emulator's HTTP handler, for embedding in another
// server. Media URLs are built from each request's Host.
func (s *Server) Handler() http.Handler { return s.mux }

// Start serves the emulator on a fresh 127.0.0.1 port and returns its base
// URL (without the version), such as "http://127.0.0.1:41234".
func (s *Server) Start() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errors.New("starting emulator: server closed")
	}
	if s.httpSrv != nil {
		return "", errors.New("starting emulator: already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("starting emulator: %w", err)
	}
	s.httpSrv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second}
	srv := s.httpSrv
	s.wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("emulator stopped serving", slog.Any("err", err))
		}
	})
	return "http://" + ln.Addr().String(), nil
}

// Close stops serving, drops pending webhooks, aborts deliveries in flight
// and waits for every goroutine of the Server to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv := s.httpSrv
	s.mu.Unlock()
	s.cancel()
	var err error
	if srv != nil {
		err = srv.Close()
	}
	s.wg.Wait()
	s.hc.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("closing emulator: %w", err)
	}
	return nil
}

// graph wraps a Graph API handler with the version check and the
// configured delay.
func (s *Server) graph(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ver := r.PathValue("ver")
		if !versionPattern.MatchString(ver) || (s.opts.Version != "" && ver != s.opts.Version) {
			writeError(w, errUnknownPath(r.URL.Path))
			return
		}
		s.mu.Lock()
		d := s.delay
		s.mu.Unlock()
		if d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			case <-s.ctx.Done():
				t.Stop()
				writeError(w, codeError(2))
				return
			}
		}
		s.log.Debug("graph request", slog.String("method", r.Method), slog.String("path", r.URL.Path))
		h(w, r)
	}
}

// nextSeq returns a process-unique sequence number; s.mu must be held.
func (s *Server) nextSeq() uint64 {
	s.seq++
	return s.seq
}
