package daemon

// wireIntegration sets up API keys and event webhooks before the outbox
// and API are built.
func (d *Daemon) wireIntegration() error { return nil }

// wireIntegrationRoutes mounts the API key routes.
func (d *Daemon) wireIntegrationRoutes() error { return nil }
