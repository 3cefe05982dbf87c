package asterisk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// pingInterval is how often the adapter pings Asterisk, so that a
	// silently dead peer is noticed within readTimeout.
	pingInterval = 30 * time.Second
	readTimeout  = 2*pingInterval + 15*time.Second
	// stableAfter is how long a session must last to reset the backoff.
	stableAfter = 10 * time.Second
)

// Run connects to ARI and delivers events until ctx ends, reconnecting
// with exponential backoff and re-subscribing after every connect (Asterisk
// forgets subscriptions when it restarts), always to exactly one reference
// per source (see subscribe). It returns nil when ctx ends and ErrReplaced
// when another client took the application over. Ending Run leaves the
// subscriptions in place; Close removes them.
func (a *Adapter) Run(ctx context.Context) error {
	backoff := a.opts.MinBackoff
	for {
		start := time.Now()
		err := a.session(ctx)
		a.setConnected(false)
		if errors.Is(err, errClosed) {
			<-ctx.Done()
			return nil
		}
		if errors.Is(err, ErrReplaced) {
			// The subscription now serves the other connection: Close
			// must not remove it.
			a.subMu.Lock()
			a.replaced = true
			a.subMu.Unlock()
			a.log.Error("ARI application replaced by another connection; stopping, will not reconnect",
				slog.String("url", a.opts.URL))
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > stableAfter {
			backoff = a.opts.MinBackoff
		}
		a.log.Warn("ARI connection lost", slog.Any("error", err), slog.Duration("retry_in", backoff))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, a.opts.MaxBackoff)
	}
}

// session runs one websocket connection until it fails or ctx ends.
func (a *Adapter) session(ctx context.Context) error {
	q := url.Values{"app": {a.opts.App}, "subscribeAll": {"false"}}
	hdr := http.Header{"Authorization": {a.basicAuth()}}
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, resp, err := dialer.DialContext(ctx, a.wsURL+"?"+q.Encode(), hdr)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("connecting to ARI events: %s: %w", resp.Status, err)
		}
		return fmt.Errorf("connecting to ARI events: %w", err)
	}
	defer conn.Close()

	// Close the socket when ctx ends so that the read below returns.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			conn.Close()
		case <-done:
		}
	}()

	if err := a.subscribe(ctx); err != nil {
		return err
	}
	a.log.Info("ARI connected", slog.String("url", a.opts.URL), slog.Any("sources", a.opts.Subscribe))
	a.setConnected(true)
	a.syncEndpoints(ctx)

	go a.keepalive(conn, done)
	conn.SetReadDeadline(time.Now().Add(readTimeout))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(readTimeout))
	})
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return fmt.Errorf("reading ARI events: %w", err)
		}
		conn.SetReadDeadline(time.Now().Add(readTimeout))
		if err := a.handle(data); err != nil {
			return err
		}
	}
}

// keepalive pings until done is closed.
func (a *Adapter) keepalive(conn *websocket.Conn, done <-chan struct{}) {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second)); err != nil {
				conn.Close()
				return
			}
		}
	}
}

// syncEndpoints reports the presence of every endpoint that changed since
// the last report (all of them after the first connect): events raised
// while disconnected are lost.
func (a *Adapter) syncEndpoints(ctx context.Context) {
	list, err := a.Endpoints(ctx)
	if err != nil {
		a.log.Warn("listing endpoints after connect", slog.Any("error", err))
		return
	}
	for _, st := range list {
		a.reportEndpoint(st)
	}
}
