package ariemu

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// route is one ARI resource: the methods it allows and their handlers.
type route struct {
	allow   string
	methods map[string]func(*http.Request, []string) *response
}

// handle authenticates and dispatches one REST request.
func (s *Server) handle(req *http.Request) *response {
	resp := s.dispatch(req)
	if o := req.Header.Get("Origin"); o != "" {
		resp.extra = append([][2]string{
			{"Access-Control-Allow-Origin", o},
			{"Access-Control-Allow-Credentials", "true"},
		}, resp.extra...)
	}
	return resp
}

func (s *Server) dispatch(req *http.Request) *response {
	if !s.authorized(req) {
		r := errorResponse(http.StatusUnauthorized, "Authentication required")
		r.extra = [][2]string{{"WWW-Authenticate", `Basic realm="Asterisk REST Interface"`}}
		return r
	}
	p, ok := strings.CutPrefix(req.URL.Path, "/ari/")
	if !ok {
		return htmlError(http.StatusNotFound, "The requested URL was not found on this server.")
	}
	rt, args := s.lookup(strings.Split(strings.TrimSuffix(p, "/"), "/"))
	if rt == nil {
		return errorResponse(http.StatusNotFound, "Resource not found")
	}
	h, ok := rt.methods[req.Method]
	if !ok {
		r := errorResponse(http.StatusMethodNotAllowed, "Invalid method")
		r.extra = [][2]string{{"Allow", rt.allow}}
		return r
	}
	return h(req, args)
}

// lookup finds the route of an ARI path split on "/", returning the values
// of its variable segments.
func (s *Server) lookup(seg []string) (*route, []string) {
	get := func(h func(*http.Request, []string) *response) *route {
		return &route{allow: "OPTIONS,GET", methods: map[string]func(*http.Request, []string) *response{http.MethodGet: h}}
	}
	put := func(h func(*http.Request, []string) *response) *route {
		return &route{allow: "OPTIONS,PUT", methods: map[string]func(*http.Request, []string) *response{http.MethodPut: h}}
	}
	switch {
	case len(seg) == 2 && seg[0] == "asterisk" && seg[1] == "info":
		return get(s.getInfo), nil
	case len(seg) == 2 && seg[0] == "asterisk" && seg[1] == "ping":
		return get(s.getPing), nil
	case len(seg) == 3 && seg[0] == "asterisk" && seg[1] == "modules":
		return get(s.getModule), seg[2:]
	case len(seg) == 1 && seg[0] == "endpoints":
		return get(s.listEndpoints), nil
	case len(seg) == 2 && seg[0] == "endpoints" && seg[1] == "sendMessage":
		return put(s.sendMessageGeneric), nil
	case len(seg) == 2 && seg[0] == "endpoints":
		return get(s.listEndpointsByTech), seg[1:]
	case len(seg) == 3 && seg[0] == "endpoints":
		return get(s.getEndpoint), seg[1:]
	case len(seg) == 4 && seg[0] == "endpoints" && seg[3] == "sendMessage":
		return put(s.sendMessageEndpoint), seg[1:3]
	case len(seg) == 1 && seg[0] == "applications":
		return get(s.listApplications), nil
	case len(seg) == 2 && seg[0] == "applications":
		return get(s.getApplication), seg[1:]
	case len(seg) == 3 && seg[0] == "applications" && seg[2] == "subscription":
		return &route{allow: "OPTIONS,POST,DELETE", methods: map[string]func(*http.Request, []string) *response{
			http.MethodPost:   s.subscribe,
			http.MethodDelete: s.unsubscribe,
		}}, seg[1:2]
	case len(seg) == 1 && seg[0] == "events":
		return get(s.eventsWithoutUpgrade), nil
	}
	return nil, nil
}

// authorized checks Basic auth or the api_key query parameter.
func (s *Server) authorized(req *http.Request) bool {
	want := s.opts.User + ":" + s.opts.Password
	if key := req.URL.Query().Get("api_key"); key != "" {
		return subtle.ConstantTimeCompare([]byte(key), []byte(want)) == 1
	}
	user, pass, ok := req.BasicAuth()
	if !ok {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(user+":"+pass), []byte(want)) == 1
}

// getInfo answers GET /asterisk/info.
func (s *Server) getInfo(*http.Request, []string) *response {
	type build struct {
		OS      string `json:"os"`
		Kernel  string `json:"kernel"`
		Machine string `json:"machine"`
		Options string `json:"options"`
		Date    string `json:"date"`
		User    string `json:"user"`
	}
	type system struct {
		Version  string `json:"version"`
		EntityID string `json:"entity_id"`
	}
	type setid struct {
		User  string `json:"user"`
		Group string `json:"group"`
	}
	type config struct {
		Name            string `json:"name"`
		DefaultLanguage string `json:"default_language"`
		SetID           setid  `json:"setid"`
	}
	type status struct {
		StartupTime    string `json:"startup_time"`
		LastReloadTime string `json:"last_reload_time"`
	}
	started := formatTime(s.started)
	return jsonResponse(http.StatusOK, struct {
		Build  build  `json:"build"`
		System system `json:"system"`
		Config config `json:"config"`
		Status status `json:"status"`
	}{
		Build:  build{OS: "Linux", Kernel: "6.18.44-fc-v657", Machine: "x86_64", Options: "OPTIONAL_API", Date: "2026-11-22 17:38:20 UTC", User: "root"},
		System: system{Version: "22.10.1", EntityID: s.opts.AsteriskID},
		Config: config{DefaultLanguage: "en"},
		Status: status{StartupTime: started, LastReloadTime: started},
	})
}

// getPing answers GET /asterisk/ping.
func (s *Server) getPing(*http.Request, []string) *response {
	return jsonResponse(http.StatusOK, struct {
		Ping       string `json:"ping"`
		Timestamp  string `json:"timestamp"`
		AsteriskID string `json:"asterisk_id"`
	}{"pong", formatTime(s.now()), s.opts.AsteriskID})
}

// eventsWithoutUpgrade answers a plain GET /events the way Asterisk's
// websocket server does: a bare 400 naming the supported versions.
func (s *Server) eventsWithoutUpgrade(*http.Request, []string) *response {
	return &response{status: http.StatusBadRequest, extra: [][2]string{{"Sec-WebSocket-Version", "7, 8, 13"}}}
}
