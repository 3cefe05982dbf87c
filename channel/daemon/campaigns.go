package daemon

import (
	"github.com/wachan/wachan/channel/campaign"
	"github.com/wachan/wachan/channel/ingest"
	"github.com/wachan/wachan/channel/optout"
)

// wireCampaigns mounts campaigns and the opt-out list: the opt-out words
// are applied to inbound messages, campaign messages' outcomes update
// their recipients, and a runner feeds running campaigns to the outbox.
func (d *Daemon) wireCampaigns() error {
	d.campaigns = campaign.New(d.store, d.log, campaign.Options{Rate: d.cfg.SendRate, Wake: d.outbox.Wake})
	d.finished = append(d.finished, d.campaigns.Finished)
	// Stop and start words apply before routing, in the same transaction,
	// so agents are told when a customer has just opted out; so do the
	// marketing preferences customers set in WhatsApp.
	d.hooks = append([]ingest.Hooks{{Inbound: optout.Inbound, Other: optout.Preference}}, d.hooks...)
	d.hooks = append(d.hooks, ingest.Hooks{Status: d.campaigns.Status})
	d.runners = append(d.runners, d.campaigns.Run)
	return nil
}
