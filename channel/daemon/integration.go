package daemon

import "github.com/wachan/wachan/channel/integration"

// wireIntegration sets up API keys and event webhooks before the outbox
// and API are built.
func (d *Daemon) wireIntegration() error {
	d.integration = integration.New(d.store, d.log, integration.Options{})
	d.keys = d.integration.Authenticate
	d.hooks = append(d.hooks, d.integration.Hooks())
	d.sessions = append(d.sessions, d.integration.SessionChanged)
	d.finished = append(d.finished, d.integration.Finished)
	d.runners = append(d.runners, d.integration.Run)
	return nil
}

// wireIntegrationRoutes mounts the API key routes.
func (d *Daemon) wireIntegrationRoutes() error {
	d.integration.Register(d.v1)
	return nil
}
