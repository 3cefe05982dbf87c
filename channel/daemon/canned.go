package daemon

import "github.com/wachan/wachan/channel/canned/cannedapi"

// wireCannedRoutes mounts the canned reply routes.
func (d *Daemon) wireCannedRoutes() error {
	cannedapi.New(d.store).Mount(d.v1)
	return nil
}
