package ariemu

import (
	"net/http"
	"slices"
)

// module is ARI's Module object, keys in Asterisk's order.
type module struct {
	Name         string `json:"name"`
	Description  string `json:"description"`
	UseCount     int    `json:"use_count"`
	Status       string `json:"status"`
	SupportLevel string `json:"support_level"`
}

// defaultModules are the loaded modules GET /asterisk/modules/{name} knows
// by default: those wachan's set-up relies on.
var defaultModules = []string{"func_curl.so", "res_ari.so", "res_http_websocket.so", "res_pjsip.so", "res_pjsip_messaging.so", "res_stasis.so"}

// getModule answers GET /asterisk/modules/{name} like
// ast_ari_asterisk_get_module: 404 for a module that is not running. It is
// not among the recordings; the shape follows Asterisk's source.
func (s *Server) getModule(_ *http.Request, args []string) *response {
	s.mu.Lock()
	loaded := slices.Contains(s.opts.Modules, args[0])
	s.mu.Unlock()
	if !loaded {
		return errorResponse(http.StatusNotFound, "Module could not be found in running modules")
	}
	return jsonResponse(http.StatusOK, module{Name: args[0], Description: args[0], UseCount: 0, Status: "Running", SupportLevel: "core"})
}
