package media

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

// Send modes for outbound media.
const (
	// ModeLink sends a link to the file served by this daemon (default).
	ModeLink = "link"
	// ModeID uploads the file to the Graph API first and sends its id,
	// for PBXs that the internet cannot reach.
	ModeID = "id"
)

// Options tune a Service. Zero values take the defaults named.
type Options struct {
	// Dir is where files are kept (<data_dir>/media); required.
	Dir string
	// PublicURL is the daemon's external base URL, without a trailing
	// slash; links are PublicURL/media/<token>.
	PublicURL string
	// MaxSize is the largest file accepted either way; 0 or more than
	// 100 MB means 100 MB.
	MaxSize int64
	// Retention is how long files and links are kept; 0 means 72 h.
	Retention time.Duration
	// Mode is the default outbound mode, ModeLink or ModeID; ModeLink
	// falls back to ModeID when PublicURL is empty.
	Mode string
	// MinFree is the free disk space below which new files are refused;
	// 0 means twice MaxSize.
	MinFree int64
	// FreeSpace measures free space in a directory; nil reads the file
	// system.
	FreeSpace func(dir string) (int64, error)
	// Attempts bounds the tries of one inbound fetch; 0 means 8.
	Attempts int
	// Backoff is the wait before fetch attempt n+1; nil doubles from 5 s
	// up to 10 min.
	Backoff func(attempt int) time.Duration
	// Workers bounds concurrent inbound fetches; 0 means 4.
	Workers int
	// WaitPending is how long a link request waits for a fetch in progress
	// before answering 503; 0 means 3 s.
	WaitPending time.Duration
	// SweepEvery is the sweeper's period; 0 means 10 min.
	SweepEvery time.Duration
	// FetchTimeout bounds fetching an agent's URL; 0 means 60 s.
	FetchTimeout time.Duration
	// FetchPrivate allows agents' URLs to point at loopback, private and
	// link-local addresses (off by default so links cannot reach the PBX's
	// own network).
	FetchPrivate bool
	// OnFailed, if set, is called (outside any transaction, must not
	// block for long) when an inbound message's media is given up on, with
	// the reason recorded in its Media.Error.
	OnFailed func(msgID uint64, reason string)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service fetches, stores, serves and attaches media. Its methods are safe
// for concurrent use; Run starts its background work.
type Service struct {
	store  *store.Store
	graph  *cloudapi.Client
	log    *slog.Logger
	opts   Options
	files  *Files
	signer *Signer
	client *http.Client // for agents' URLs

	wake chan struct{}
	// mu serialises file commits with the sweeper, so a file being
	// deleted is never handed to a new reference.
	mu sync.Mutex

	// changedMu guards the fields below. changed is closed and replaced
	// whenever a fetch ends, waking link requests that wait for it.
	changedMu sync.Mutex
	changed   chan struct{}
	active    map[uint64]bool // jobs being fetched now
	lowDisk   bool            // logged once until space returns

	onFailed atomic.Pointer[func(msgID uint64, reason string)]
}

// New opens the media store in opts.Dir and loads (or creates) the link
// signing key. st, graph and log must not be nil.
func New(st *store.Store, graph *cloudapi.Client, log *slog.Logger, opts Options) (*Service, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("creating media service: %w", errMissingDir)
	}
	if opts.MaxSize <= 0 || opts.MaxSize > MaxDocument {
		opts.MaxSize = MaxDocument
	}
	if opts.Retention <= 0 {
		opts.Retention = 72 * time.Hour
	}
	if opts.Mode != ModeID {
		opts.Mode = ModeLink
	}
	if opts.MinFree <= 0 {
		opts.MinFree = 2 * opts.MaxSize
	}
	if opts.FreeSpace == nil {
		opts.FreeSpace = freeSpace
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 8
	}
	if opts.Backoff == nil {
		opts.Backoff = defaultBackoff
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.WaitPending <= 0 {
		opts.WaitPending = 3 * time.Second
	}
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = 10 * time.Minute
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = 60 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	files, err := NewFiles(opts.Dir)
	if err != nil {
		return nil, err
	}
	var key []byte
	if err := st.Update(func(tx *store.Tx) (err error) { key, err = tx.MediaLinkKey(); return }); err != nil {
		return nil, fmt.Errorf("creating media service: %w", err)
	}
	s := &Service{store: st, graph: graph, log: log, opts: opts, files: files, signer: NewSigner(key),
		wake: make(chan struct{}, 1), changed: make(chan struct{}), active: map[uint64]bool{}}
	s.client = newFetchClient(opts.FetchTimeout, opts.FetchPrivate)
	if opts.OnFailed != nil {
		s.SetOnFailed(opts.OnFailed)
	}
	return s, nil
}

// SetOnFailed replaces the OnFailed callback (nil removes it): fn is
// called, outside any transaction, when an inbound message's media is
// given up on. Wiring code that is built after the Service uses it.
func (s *Service) SetOnFailed(fn func(msgID uint64, reason string)) {
	if fn == nil {
		s.onFailed.Store(nil)
		return
	}
	s.onFailed.Store(&fn)
}

// failed calls the OnFailed callback, if any.
func (s *Service) failed(id uint64, reason string) {
	if fn := s.onFailed.Load(); fn != nil {
		(*fn)(id, reason)
	}
}

func defaultBackoff(attempt int) time.Duration {
	d := 5 * time.Second << min(attempt, 10)
	return min(d, 10*time.Minute)
}

// Files returns the file store.
func (s *Service) Files() *Files { return s.files }

// Signer returns the link signer.
func (s *Service) Signer() *Signer { return s.signer }

// MaxSize returns the largest file accepted.
func (s *Service) MaxSize() int64 { return s.opts.MaxSize }

// Wake makes the fetcher look at its queue now; it never blocks.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run fetches queued inbound media and sweeps expired files until ctx
// ends.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.runFetcher(ctx) })
	wg.Go(func() { s.runSweeper(ctx) })
	wg.Wait()
}

// notify wakes link requests waiting for a fetch to end.
func (s *Service) notify() {
	s.changedMu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.changedMu.Unlock()
}

// changes returns a channel closed at the next fetch outcome.
func (s *Service) changes() <-chan struct{} {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	return s.changed
}

// Link returns the agent-facing download link of m's media:
// <public_url>/media/<token>, valid for the retention period. It returns
// "" when m has no media or its media could not be fetched. The link may
// be issued before the fetch ends; it then waits for it.
func (s *Service) Link(m *store.Message) string {
	if m == nil || m.Media == nil || m.ID == 0 || (m.Media.Error != "" && m.Media.FileID == "") {
		return ""
	}
	return s.linkFor(Target{Kind: KindMessage, ID: m.ID, Expires: s.opts.Now().Add(s.opts.Retention)})
}

// FileLink returns a link to stored file id valid until expires.
func (s *Service) FileLink(id uint64, expires time.Time) string {
	return s.linkFor(Target{Kind: KindFile, ID: id, Expires: expires})
}

func (s *Service) linkFor(t Target) string {
	return s.opts.PublicURL + RoutePrefix + s.signer.Sign(t)
}

// Stats returns the number of stored files and their total size.
func (s *Service) Stats() (files int, bytes int64) {
	s.store.View(func(tx *store.Tx) error {
		return tx.MediaFiles(func(f *store.MediaFile) bool {
			files++
			bytes += f.Size
			return true
		})
	})
	return files, bytes
}

// Free returns the free disk space for media and the minimum below which
// new files are refused; free is -1 when it cannot be measured.
func (s *Service) Free() (free, minFree int64) {
	free, err := s.opts.FreeSpace(s.files.Dir())
	if err != nil {
		free = -1
	}
	return free, s.opts.MinFree
}

// Pending returns the number of inbound fetches not yet finished.
func (s *Service) Pending() int {
	var n int
	s.store.View(func(tx *store.Tx) error {
		jobs, err := tx.MediaJobs()
		n = len(jobs)
		return err
	})
	return n
}

// checkDisk refuses new files when free space is below MinFree, logging
// the first refusal of each low-space spell.
func (s *Service) checkDisk() error {
	free, err := s.opts.FreeSpace(s.files.Dir())
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	if err != nil || free >= s.opts.MinFree {
		if s.lowDisk {
			s.log.Info("media disk space available again")
		}
		s.lowDisk = false
		return nil
	}
	if !s.lowDisk {
		s.log.Error("media disk space low: new media files refused until space is freed",
			slog.String("dir", s.files.Dir()), slog.Int64("free", free), slog.Int64("min_free", s.opts.MinFree))
	}
	s.lowDisk = true
	return refuse("not enough free disk space on the wachan server to store media (%s free, %s needed)", humanSize(free), humanSize(s.opts.MinFree))
}

// keep records a reference to the committed content sum (hex) until
// expires, adding the file record when the content is new, and returns the
// record. s.mu must be held.
func keep(tx *store.Tx, sum string, size int64, mime string, now, expires time.Time) (*store.MediaFile, error) {
	f, err := tx.MediaFileBySHA256(sum)
	if err == nil {
		f.Refs++
		if expires.After(f.ExpiresAt) {
			f.ExpiresAt = expires
		}
		return f, tx.PutMediaFile(f)
	}
	f = &store.MediaFile{SHA256: sum, Size: size, MIME: mime, Refs: 1, CreatedAt: now.UTC(), ExpiresAt: expires.UTC()}
	return f, tx.AddMediaFile(f)
}

// parseFileID parses MediaRef.FileID.
func parseFileID(s string) (uint64, bool) {
	id, err := strconv.ParseUint(s, 10, 64)
	return id, err == nil && id > 0
}
