package ariemu

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// app is a Stasis application: created by its first websocket, kept while
// it has subscriptions, destroyed when its socket closes without any.
// Subscriptions are counted like Asterisk's "interested" references: every
// POST of a source adds one and every DELETE removes one, while
// endpoint_ids lists the source once as long as any reference remains.
type app struct {
	name string
	subs map[string]int // "PJSIP" or "PJSIP/1001" -> references
	sock *socket        // the socket serving the app; nil while inactive
}

// applicationJSON is ARI's Application object, keys in Asterisk's order.
type applicationJSON struct {
	Name             string   `json:"name"`
	ChannelIDs       []string `json:"channel_ids"`
	BridgeIDs        []string `json:"bridge_ids"`
	EndpointIDs      []string `json:"endpoint_ids"`
	DeviceNames      []string `json:"device_names"`
	EventsAllowed    []any    `json:"events_allowed"`
	EventsDisallowed []any    `json:"events_disallowed"`
}

func (a *app) json() applicationJSON {
	ids := make([]string, 0, len(a.subs))
	for id := range a.subs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return applicationJSON{
		Name: a.name, ChannelIDs: []string{}, BridgeIDs: []string{}, EndpointIDs: ids,
		DeviceNames: []string{}, EventsAllowed: []any{}, EventsDisallowed: []any{},
	}
}

// matches counts the subscriptions of a that cover endpoint resource.
func (a *app) matches(resource string) int {
	n := 0
	if a.subs["PJSIP"] > 0 {
		n++
	}
	if a.subs["PJSIP/"+resource] > 0 {
		n++
	}
	return n
}

// sortedApps lists the applications by name; s.mu must be held.
func (s *Server) sortedApps() []*app {
	apps := make([]*app, 0, len(s.apps))
	for _, a := range s.apps {
		apps = append(apps, a)
	}
	slices.SortFunc(apps, func(x, y *app) int { return strings.Compare(x.name, y.name) })
	return apps
}

// listApplications answers GET /applications.
func (s *Server) listApplications(*http.Request, []string) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []applicationJSON{}
	for _, a := range s.sortedApps() {
		list = append(list, a.json())
	}
	return jsonResponse(http.StatusOK, list)
}

// getApplication answers GET /applications/{name}.
func (s *Server) getApplication(_ *http.Request, args []string) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[args[0]]
	if a == nil {
		return errorResponse(http.StatusNotFound, "Application not found")
	}
	return jsonResponse(http.StatusOK, a.json())
}

// eventSources reads eventSource from the query or the JSON body (a string
// or an array), split on commas. A nil result with a response is an error.
func eventSources(req *http.Request) ([]string, *response) {
	var raw []string
	if v := req.URL.Query()["eventSource"]; len(v) > 0 {
		raw = v
	}
	body, _ := io.ReadAll(req.Body)
	if len(body) > 0 {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, errorResponse(http.StatusBadRequest, "Error parsing request body")
		}
		if v, ok := obj["eventSource"]; ok {
			var one string
			var many []string
			if json.Unmarshal(v, &one) == nil {
				raw = []string{one}
			} else if json.Unmarshal(v, &many) == nil {
				raw = many
			}
		}
	}
	var out []string
	for _, r := range raw {
		for _, src := range strings.Split(r, ",") {
			if src != "" {
				out = append(out, src)
			}
		}
	}
	if len(out) == 0 {
		return nil, errorResponse(http.StatusBadRequest, "Missing parameter eventSource")
	}
	return out, nil
}

// sourceID parses an event source URI into an endpoint id ("PJSIP" or
// "PJSIP/1001"); s.mu must be held. exists reports whether it names
// something that exists.
func (s *Server) sourceID(src string) (id string, exists bool, resp *response) {
	scheme, rest, ok := strings.Cut(src, ":")
	switch {
	case !ok:
		return "", false, errorResponse(http.StatusBadRequest, "Invalid event source URI scheme")
	case scheme == "endpoint":
		tech, res, hasRes := strings.Cut(rest, "/")
		if !strings.EqualFold(tech, "PJSIP") {
			return rest, false, nil
		}
		if !hasRes || res == "" {
			return "PJSIP", true, nil
		}
		return "PJSIP/" + res, s.findEndpoint(res) != nil, nil
	case scheme == "channel" || scheme == "bridge" || scheme == "deviceState":
		return src, false, nil
	default:
		return "", false, errorResponse(http.StatusBadRequest, "Invalid event source URI scheme")
	}
}

// subscribe answers POST /applications/{name}/subscription.
func (s *Server) subscribe(req *http.Request, args []string) *response {
	return s.changeSubscription(req, args[0], true)
}

// unsubscribe answers DELETE /applications/{name}/subscription.
func (s *Server) unsubscribe(req *http.Request, args []string) *response {
	return s.changeSubscription(req, args[0], false)
}

// changeSubscription adds or removes the request's event sources to or
// from application name, all or none, with Asterisk's errors: a source
// must exist to be added, and be subscribed to be removed.
func (s *Server) changeSubscription(req *http.Request, name string, add bool) *response {
	srcs, resp := eventSources(req)
	if resp != nil {
		return resp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[name]
	if a == nil {
		return errorResponse(http.StatusNotFound, "Application not found")
	}
	var ids []string
	for _, src := range srcs {
		id, exists, resp := s.sourceID(src)
		switch {
		case resp != nil:
			return resp
		case add && !exists:
			return errorResponse(http.StatusUnprocessableEntity, "Event source does not exist")
		case !add && a.subs[id] == 0:
			return errorResponse(http.StatusUnprocessableEntity, "Event source was not subscribed to")
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if add {
			a.subs[id]++
		} else if a.subs[id]--; a.subs[id] == 0 {
			delete(a.subs, id)
		}
	}
	s.changedLocked()
	return jsonResponse(http.StatusOK, a.json())
}

// SubscriptionRefs returns how many references application name holds on
// the endpoint id ("PJSIP" or "PJSIP/1001"); Asterisk shows the count only
// in the CLI ("ari show app"), ARI lists the id once.
func (s *Server) SubscriptionRefs(name, id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps[name]; a != nil {
		return a.subs[id]
	}
	return 0
}
