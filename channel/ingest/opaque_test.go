package ingest

import (
	"bytes"
	"testing"
	"time"

	"github.com/wachan/wachan/channel/outbox"
	"github.com/wachan/wachan/store"
)

// A status can overtake the answer to the send, or arrive after the daemon
// died mid-send: it still finds its message by biz_opaque_callback_data.
func TestStatusFindsUnansweredSendByOpaqueID(t *testing.T) {
	e := newEnv(t, t.TempDir())
	defer e.close()
	e.addChannel("c1", "PN1")
	sent := time.Unix(1_750_000_000, 0).UTC()
	var id, other uint64
	err := e.store.Update(func(tx *store.Tx) error {
		m := &store.Message{ChannelID: "c1", Direction: store.Outbound, Type: "text", Status: "queued", Timestamp: sent}
		if _, err := tx.AddMessage(m); err != nil {
			return err
		}
		id = m.ID
		o := &store.Message{ChannelID: "c1", Direction: store.Outbound, Type: "text", Status: "queued", Timestamp: sent}
		_, err := tx.AddMessage(o)
		other = o.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	withOpaque := func(body []byte, opaque string) []byte {
		return bytes.Replace(body, []byte(`"recipient_id"`), []byte(`"biz_opaque_callback_data":"`+opaque+`","recipient_id"`), 1)
	}
	e.postSigned("c1", withOpaque(statusBody("PN1", "wamid.LOST", "sent", sent.Unix()+1), outbox.OpaqueID(id)))
	// Someone else's opaque data, and an id that is not wachan's, change nothing.
	e.postSigned("c1", withOpaque(statusBody("PN1", "wamid.FOREIGN", "sent", sent.Unix()+1), "ticket-42"))
	e.postSigned("c1", withOpaque(statusBody("PN1", "wamid.OTHER", "delivered", sent.Unix()+2), outbox.OpaqueID(999999)))
	e.drain()
	e.store.View(func(tx *store.Tx) error {
		m, err := tx.Message(id)
		if err != nil || m.WAMID != "wamid.LOST" || m.Status != "sent" || len(m.Trail) != 1 || m.Trail[0].Status != "sent" {
			t.Fatalf("message = %+v, %v", m, err)
		}
		if got, err := tx.MessageIDByWAMID("c1", "wamid.LOST"); err != nil || got != id {
			t.Fatalf("wamid index = %d, %v", got, err)
		}
		o, _ := tx.Message(other)
		if o.WAMID != "" || o.Status != "queued" {
			t.Fatalf("unrelated message changed: %+v", o)
		}
		return nil
	})
}
