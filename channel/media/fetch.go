package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"sync"
	"time"

	"github.com/wachan/wachan/channel/cloudapi"
	"github.com/wachan/wachan/store"
)

var errMissingDir = errors.New("no media directory")

// runFetcher starts due fetch jobs, at most Workers at a time, until ctx
// ends, then waits for those in progress.
func (s *Service) runFetcher(ctx context.Context) {
	sem := make(chan struct{}, s.opts.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		next, err := s.dispatch(ctx, sem, &wg)
		if err != nil {
			s.log.Error("reading media fetch queue", slog.Any("error", err))
			next = s.opts.Now().Add(time.Second)
		}
		wait := time.Minute
		if !next.IsZero() {
			wait = max(next.Sub(s.opts.Now()), 10*time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// dispatch starts the due jobs that are not running and returns when the
// earliest waiting one falls due (zero if none waits).
func (s *Service) dispatch(ctx context.Context, sem chan struct{}, wg *sync.WaitGroup) (time.Time, error) {
	var jobs []*store.MediaJob
	if err := s.store.View(func(tx *store.Tx) (err error) { jobs, err = tx.MediaJobs(); return }); err != nil {
		return time.Time{}, err
	}
	now := s.opts.Now()
	var next time.Time
	for _, j := range jobs {
		s.changedMu.Lock()
		busy := s.active[j.MessageID]
		s.changedMu.Unlock()
		if busy {
			continue
		}
		if j.NotBefore.After(now) {
			if next.IsZero() || j.NotBefore.Before(next) {
				next = j.NotBefore
			}
			continue
		}
		select {
		case sem <- struct{}{}:
		default:
			return next, nil // a finishing worker wakes the loop
		}
		s.changedMu.Lock()
		s.active[j.MessageID] = true
		s.changedMu.Unlock()
		wg.Go(func() {
			defer func() {
				s.changedMu.Lock()
				delete(s.active, j.MessageID)
				s.changedMu.Unlock()
				<-sem
				s.Wake()
			}()
			s.work(ctx, j)
		})
	}
	return next, nil
}

// Fetching reports whether message id's media is still to be fetched.
func (s *Service) Fetching(id uint64) bool {
	var ok bool
	s.store.View(func(tx *store.Tx) error {
		_, err := tx.MediaJob(id)
		ok = err == nil
		return nil
	})
	return ok
}

// permanent marks an error that retrying will not cure. quiet errors were
// logged already (low disk space is logged once per spell).
type permanent struct {
	reason string
	quiet  bool
}

func (p *permanent) Error() string { return p.reason }

// transient is a retryable error with a short message for the record.
type transient struct {
	msg string
	err error
}

func (t *transient) Error() string { return t.msg }
func (t *transient) Unwrap() error { return t.err }

// work runs one attempt of job j and records its outcome.
func (s *Service) work(ctx context.Context, j *store.MediaJob) {
	tmp, info, err := s.fetch(ctx, j)
	if ctx.Err() != nil {
		if tmp != nil {
			tmp.Discard()
		}
		return // shutting down: the job stays as it was
	}
	if err == nil {
		err = s.commitFetched(j, tmp, info)
		if err == nil {
			s.notify()
			return
		}
	} else if tmp != nil {
		tmp.Discard()
	}
	var p *permanent
	final := errors.As(err, &p) || j.Attempts+1 >= s.opts.Attempts
	reason := err.Error()
	if !final {
		s.log.Warn("media fetch failed; will retry", slog.Uint64("message", j.MessageID),
			slog.Int("attempt", j.Attempts+1), slog.String("error", reason))
		j.Attempts++
		j.LastError = reason
		j.NotBefore = s.opts.Now().Add(s.opts.Backoff(j.Attempts))
		if err := s.store.Update(func(tx *store.Tx) error { return tx.PutMediaJob(j) }); err != nil {
			s.log.Error("recording media fetch retry", slog.Any("error", err))
		}
		return
	}
	if p == nil {
		reason = fmt.Sprintf("gave up after %d attempts: %s", j.Attempts+1, reason)
	}
	if p == nil || !p.quiet {
		s.log.Warn("media fetch failed", slog.Uint64("message", j.MessageID), slog.String("error", reason))
	}
	s.fail(j.MessageID, reason)
}

// fail records reason as message id's media error, ends its job and tells
// OnFailed.
func (s *Service) fail(id uint64, reason string) {
	err := s.store.Update(func(tx *store.Tx) error {
		if err := tx.DeleteMediaJob(id); err != nil {
			return err
		}
		m, err := tx.Message(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if m.Media == nil {
			m.Media = &store.MediaRef{}
		}
		m.Media.Error = reason
		return tx.PutMessage(m)
	})
	if err != nil {
		s.log.Error("recording media fetch failure", slog.Any("error", err))
		return
	}
	s.notify()
	s.failed(id, reason)
}

// fetch downloads the media of j's message into a temporary file and
// checks its size and digest. It returns the file (nil on error) and what
// the Graph API said about the media.
func (s *Service) fetch(ctx context.Context, j *store.MediaJob) (*Temp, cloudapi.MediaInfo, error) {
	var (
		m  *store.Message
		ch *store.Channel
	)
	err := s.store.View(func(tx *store.Tx) (err error) {
		if m, err = tx.Message(j.MessageID); err != nil {
			return err
		}
		ch, err = tx.Channel(j.ChannelID)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound) && m == nil:
		return nil, cloudapi.MediaInfo{}, &permanent{reason: "the message was deleted"}
	case errors.Is(err, store.ErrNotFound):
		return nil, cloudapi.MediaInfo{}, &permanent{reason: "the WhatsApp channel was deleted"}
	case err != nil:
		return nil, cloudapi.MediaInfo{}, err
	case m.Media == nil || m.Media.MediaID == "":
		return nil, cloudapi.MediaInfo{}, &permanent{reason: "the message carries no media id"}
	}
	if err := s.checkDisk(); err != nil {
		return nil, cloudapi.MediaInfo{}, &permanent{reason: err.Error(), quiet: true}
	}
	creds := cloudapi.Creds{PhoneNumberID: ch.PhoneNumberID, Token: ch.AccessToken}
	tmp, err := s.files.Create()
	if err != nil {
		return nil, cloudapi.MediaInfo{}, err
	}
	// The webhook's URL lives about five minutes: worth a try only on a
	// fresh job.
	fresh := j.Attempts == 0 && s.opts.Now().Sub(j.CreatedAt) < webhookURLLife
	info, err := s.download(ctx, creds, m.Media, fresh, tmp)
	if err != nil {
		return tmp, info, classify(err, s.opts.MaxSize)
	}
	sum := tmp.Sum()
	for _, announced := range []string{m.Media.SHA256, info.SHA256} {
		if announced != "" && !(cloudapi.MediaInfo{SHA256: announced}).Matches(sum) {
			return tmp, info, &permanent{reason: "the downloaded file does not match the SHA-256 WhatsApp announced (corrupted or tampered with)"}
		}
	}
	return tmp, info, nil
}

// webhookURLLife is how long a webhook's media URL is assumed to work.
const webhookURLLife = 4 * time.Minute

// download copies the media into tmp: from the webhook's URL when there is
// one and useWebhookURL, otherwise (or when that fails) from a freshly resolved URL,
// resolving again when a URL has expired.
func (s *Service) download(ctx context.Context, creds cloudapi.Creds, ref *store.MediaRef, useWebhookURL bool, tmp *Temp) (cloudapi.MediaInfo, error) {
	info := cloudapi.MediaInfo{ID: ref.MediaID, MimeType: ref.MIME}
	// The webhook's URL is used only where the access token may go; any
	// other is ignored for the media id's.
	if useWebhookURL && s.graph.TrustedMediaURL(ref.URL) {
		info.URL = ref.URL
	}
	resolved := false
	for try := 0; ; try++ {
		if info.URL == "" || try > 0 {
			ri, err := s.graph.ResolveMedia(ctx, creds, ref.MediaID)
			if err != nil {
				return info, err
			}
			info, resolved = ri, true
		}
		if info.FileSize > s.opts.MaxSize {
			return info, fmt.Errorf("%w (%d bytes)", cloudapi.ErrMediaTooLarge, info.FileSize)
		}
		if err := tmp.Reset(); err != nil {
			return info, err
		}
		_, err := s.graph.Download(ctx, creds, info.URL, tmp, s.opts.MaxSize)
		if err == nil {
			return info, nil
		}
		if errors.Is(err, cloudapi.ErrMediaTooLarge) || ctx.Err() != nil {
			return info, err
		}
		// A webhook URL that fails, or an expired URL, earns a fresh one;
		// twice at most per attempt.
		if try >= 2 || (resolved && !errors.Is(err, cloudapi.ErrMediaURLExpired)) {
			return info, err
		}
	}
}

// classify turns a fetch error into a retryable error or a permanent one
// with a reason for the agent.
func classify(err error, maxSize int64) error {
	var (
		apiErr *cloudapi.APIError
		ref    *Refusal
	)
	switch {
	case errors.As(err, &ref):
		return &permanent{reason: ref.Reason}
	case errors.Is(err, cloudapi.ErrUntrustedMediaURL):
		return &permanent{reason: "WhatsApp gave a download address outside Meta's media hosts"}
	case errors.Is(err, cloudapi.ErrMediaTooLarge):
		return &permanent{reason: fmt.Sprintf("the file is larger than the %s limit for media", humanSize(maxSize))}
	case errors.Is(err, cloudapi.ErrMediaURLExpired):
		return err
	case errors.As(err, &apiErr):
		if apiErr.Class() == cloudapi.Never {
			return &permanent{reason: "WhatsApp refused the download: " + apiErr.Explain()}
		}
		return &transient{msg: fmt.Sprintf("WhatsApp answered error %d (%s)", apiErr.Code, apiErr.Message), err: err}
	case cloudapi.ClassOf(err) == cloudapi.Never:
		return &permanent{reason: err.Error()}
	}
	return err
}

// commitFetched moves the downloaded file into place and records it on the
// message.
func (s *Service) commitFetched(j *store.MediaJob, tmp *Temp, info cloudapi.MediaInfo) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	size := tmp.Size()
	sum, err := s.files.Commit(tmp)
	if err != nil {
		return err
	}
	now := s.opts.Now()
	expires := j.CreatedAt.Add(s.opts.Retention)
	if expires.Before(now) {
		expires = now.Add(s.opts.Retention)
	}
	return s.store.Update(func(tx *store.Tx) error {
		m, err := tx.Message(j.MessageID)
		if err != nil {
			return err
		}
		mt := m.Media.MIME
		if mt == "" {
			mt = info.MimeType
		}
		f, err := keep(tx, sum, size, normMIME(mt), now, expires)
		if err != nil {
			return err
		}
		m.Media.FileID, m.Media.Size, m.Media.Error = f.Key(), size, ""
		if m.Media.MIME == "" {
			m.Media.MIME = info.MimeType
		}
		if m.Media.SHA256 == "" {
			m.Media.SHA256 = sum
		}
		if err := tx.PutMessage(m); err != nil {
			return err
		}
		return tx.DeleteMediaJob(j.MessageID)
	})
}

// normMIME returns t in canonical form, keeping parameters that players
// need ("audio/ogg; codecs=opus"); unreadable types become
// application/octet-stream.
func normMIME(t string) string {
	mt, params, err := mime.ParseMediaType(t)
	if err != nil {
		return "application/octet-stream"
	}
	return mime.FormatMediaType(mt, params)
}
