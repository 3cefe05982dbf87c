// Package asterisk connects wachan to Asterisk through ARI: it receives the
// SIP MESSAGEs agents send to channel addresses (TextMessageReceived) and
// endpoint presence events, and sends messages to agents' phones with
// sendMessage. It holds one subscription reference per run and removes it
// on Close; handoff.go defines the dialplan route that carries agents'
// messages when ARI cannot.
//
// Subscribing goes through the github.com/CyCoreSystems/ari/v5 native
// client. The event websocket and the other REST calls do not, because the
// library does not fit this use (v5.3.1):
//   - native.Client.Connect blocks without a context until the first dial
//     succeeds, then redials silently every second, so a lost socket (an
//     Asterisk restart is a plain TCP EOF) cannot trigger the re-subscription
//     Asterisk requires, nor exponential backoff;
//   - its connected field and stdbus's closed flag are written without
//     synchronisation, which -race reports;
//   - ari.TextMessageData.Variables is a list while Asterisk sends an
//     object, so decoding TextMessageReceived fails, and the library then
//     treats the failure as a read error and reconnects;
//   - its bus drops events when a subscriber is slow, and raw frames are
//     needed to drop the byte-identical duplicates of overlapping
//     subscriptions;
//   - TextMessage.Send puts the body in the query string (4096-byte request
//     line limit) and the variables as the whole JSON body, and REST calls
//     take no context.
//
// So the adapter reads the websocket itself with gorilla/websocket, and
// issues sendMessage and endpoint queries with net/http and the same
// credentials.
package asterisk

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/CyCoreSystems/ari/v5/client/native"
	"github.com/wachan/wachan/pbx"
	"github.com/wachan/wachan/pbx/recent"
)

// ErrReplaced is returned by Run when another client connected with the
// same application name and Asterisk handed the application to it.
var ErrReplaced = errors.New("asterisk: ARI application taken over by another connection")

// Options configures an Adapter.
type Options struct {
	// URL is the ARI root, e.g. "http://127.0.0.1:8088/ari".
	URL string
	// User and Password are the ari.conf credentials.
	User, Password string
	// App is the Stasis application name, e.g. "wachan".
	App string
	// Subscribe lists the event sources subscribed after every connect;
	// default ["endpoint:PJSIP"]. Avoid overlapping sources: Asterisk then
	// sends every event twice (the adapter drops the copies).
	Subscribe []string
	// AddressPrefix marks the destination users that belong to wachan;
	// default "wa-". Messages to other users are left to the dialplan.
	AddressPrefix string
	// Logger receives the adapter's logs; nil discards them.
	Logger *slog.Logger
	// OnMessage, OnEndpoint and OnConnected are called from Run's
	// goroutine, one at a time, in event order; they should return quickly.
	//
	// OnMessage receives messages sent to channel addresses.
	OnMessage func(pbx.TextMessage)
	// OnEndpoint receives endpoint presence changes.
	OnEndpoint func(pbx.EndpointState)
	// OnConnected receives the event connection's state changes.
	OnConnected func(bool)
	// MinBackoff and MaxBackoff bound the reconnect delay; default 500 ms
	// and 30 s.
	MinBackoff, MaxBackoff time.Duration
	// HTTPClient is used for REST calls; default a client with a 10 s timeout.
	HTTPClient *http.Client
}

// Adapter is an ARI connection. Run drives it; SendMessage, Endpoints,
// Endpoint and Connected may be called concurrently from any goroutine.
type Adapter struct {
	opts  Options
	log   *slog.Logger
	ari   *native.Client // used for subscriptions only, never Connect()ed
	wsURL string

	connected atomic.Bool
	// subMu serialises subscribing and Close; replaced reports that
	// another connection took the application over, closed that Close
	// was called.
	subMu    sync.Mutex
	replaced bool
	closed   bool
	mu       sync.Mutex
	states   map[string]bool // last reported presence, Run's goroutine only
	dedup    *recent.Set[[32]byte]
}

// New returns an Adapter for opts; it does not connect until Run.
func New(opts Options) *Adapter {
	if len(opts.Subscribe) == 0 {
		opts.Subscribe = []string{"endpoint:PJSIP"}
	}
	if opts.AddressPrefix == "" {
		opts.AddressPrefix = "wa-"
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(30*time.Second, opts.MinBackoff)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	opts.URL = strings.TrimSuffix(opts.URL, "/")
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wsURL := "ws" + strings.TrimPrefix(opts.URL, "http") + "/events"
	return &Adapter{
		opts:  opts,
		log:   log.With(slog.String("component", "ari"), slog.String("app", opts.App)),
		wsURL: wsURL,
		ari: native.New(&native.Options{
			Application:  opts.App,
			URL:          opts.URL,
			WebsocketURL: wsURL,
			Username:     opts.User,
			Password:     opts.Password,
		}),
		states: map[string]bool{},
		dedup:  recent.New[[32]byte](256),
	}
}

// Connected reports whether the event websocket is up and subscribed.
func (a *Adapter) Connected() bool {
	return a.connected.Load()
}

// setConnected records the connection state and reports changes.
func (a *Adapter) setConnected(up bool) {
	if a.connected.Swap(up) == up {
		return
	}
	if a.opts.OnConnected != nil {
		a.opts.OnConnected(up)
	}
}
