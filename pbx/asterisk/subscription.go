package asterisk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/CyCoreSystems/ari/v5"
)

// maxStaleReferences bounds the DELETEs that clear references left by
// earlier runs; one is left per run that ended without Close.
const maxStaleReferences = 1000

// errClosed ends a session that would subscribe after Close.
var errClosed = errors.New("asterisk: adapter closed")

// subscribe leaves the application holding exactly one reference on each
// configured event source. Asterisk counts subscriptions: every POST adds
// a reference although endpoint_ids lists the source once, and each DELETE
// removes one. References left by runs that ended without Close (a crash,
// SIGKILL) would keep Asterisk accepting agents' messages (202) for a dead
// application, so they are removed first, then one is added. Between the
// two, no application claims agents' messages: the dialplan handles them
// (see pbx/setup) or Asterisk answers 404.
func (a *Adapter) subscribe(ctx context.Context) error {
	a.subMu.Lock()
	defer a.subMu.Unlock()
	if a.closed {
		return errClosed
	}
	key := ari.NewKey(ari.ApplicationKey, a.opts.App)
	for _, src := range a.opts.Subscribe {
		n, err := a.clearSource(ctx, src)
		if err != nil {
			return err
		}
		if n > 0 {
			a.log.Warn("removed subscription references left by earlier runs",
				slog.String("source", src), slog.Int("references", n))
		}
		errc := make(chan error, 1)
		go func() { errc <- a.ari.Application().Subscribe(key, src) }()
		select {
		case err := <-errc:
			if err != nil {
				return fmt.Errorf("subscribing to %s: %w", src, err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// clearSource removes every reference the application holds on src and
// returns how many there were; none is left when the application does not
// exist.
func (a *Adapter) clearSource(ctx context.Context, src string) (int, error) {
	for n := 0; n < maxStaleReferences; n++ {
		err := a.unsubscribeOnce(ctx, src)
		var ae *apiError
		switch {
		case errors.As(err, &ae) && (ae.Status == http.StatusUnprocessableEntity || ae.Status == http.StatusNotFound):
			// 422: no reference left; 404: no application (fresh Asterisk).
			return n, nil
		case err != nil:
			return n, fmt.Errorf("clearing old subscriptions to %s: %w", src, err)
		}
	}
	return maxStaleReferences, fmt.Errorf("clearing old subscriptions to %s: more than %d references", src, maxStaleReferences)
}

// unsubscribeOnce removes one reference on src. It is a plain net/http
// call: the ari/v5 client takes no context and wraps the status code away,
// and the loop above must tell 422 from a failure.
func (a *Adapter) unsubscribeOnce(ctx context.Context, src string) error {
	path := "/applications/" + url.PathEscape(a.opts.App) + "/subscription?eventSource=" + url.QueryEscape(src)
	return a.do(ctx, http.MethodDelete, path, nil, nil)
}

// Close removes the application's subscription references, so that
// Asterisk stops accepting agents' messages for it: with none left, an
// agent's message goes to the dialplan, or is refused with 404, instead of
// being accepted and dropped while wachan is away. It removes them all,
// those an earlier crashed run left included, even when Run has not
// subscribed yet, unless another connection took the application over.
// Call it on a clean shutdown, before ending Run, so that Asterisk destroys
// the application when its websocket closes. Run does not subscribe again
// afterwards.
func (a *Adapter) Close(ctx context.Context) error {
	a.subMu.Lock()
	defer a.subMu.Unlock()
	a.closed = true
	if a.replaced {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var errs []error
	removed := 0
	for _, src := range a.opts.Subscribe {
		n, err := a.clearSource(ctx, src)
		removed += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if removed > 0 {
		a.log.Info("ARI subscriptions removed", slog.Any("sources", a.opts.Subscribe), slog.Int("references", removed))
	}
	return nil
}
