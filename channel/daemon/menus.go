package daemon

import (
	"time"

	"github.com/wachan/wachan/channel/menus"
	"github.com/wachan/wachan/store"
)

// wireMenus answers new conversations with channels' chat menus, through
// routing's Hold hook; a timed-out menu hands its message to the router.
func (d *Daemon) wireMenus() {
	d.menus = menus.New(d.store, d.log, menus.Options{
		Now:  func() time.Time { return d.clock() },
		Wake: func() { d.outbox.Wake() },
		Release: func(tx *store.Tx, ch *store.Channel, cust *store.Customer, m *store.Message) error {
			if d.router == nil {
				return nil
			}
			return d.router.Inbound(tx, ch, cust, m)
		},
	})
	d.runners = append(d.runners, d.menus.Run)
}
