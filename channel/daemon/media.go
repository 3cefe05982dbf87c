package daemon

// wireMedia creates the media store before routing, which links to it.
func (d *Daemon) wireMedia() error { return nil }

// wireMediaRoutes mounts the media download and upload routes.
func (d *Daemon) wireMediaRoutes() error { return nil }
