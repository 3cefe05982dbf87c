package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets added by migration 5; their layouts are drawn in doc.go.
var (
	bucketApps     = []byte("apps")
	bucketUnrouted = []byte("unrouted")
)

// App is a Meta app. Meta posts the webhooks of every number and WABA the
// app is subscribed to to one callback URL, signed with the app's secret;
// the channels with its id share that secret (kept on each channel) and
// the app's callback URL, whose handshake uses VerifyToken.
type App struct {
	ID          string    `json:"id"`
	VerifyToken string    `json:"verify_token"`
	VerifiedAt  time.Time `json:"verified_at,omitzero"` // last successful handshake of the app URL
	CreatedAt   time.Time `json:"created_at"`
}

// App returns the app with id.
func (t *Tx) App(id string) (*App, error) {
	var a App
	if err := t.getJSON(bucketApps, []byte(id), &a); err != nil {
		return nil, fmt.Errorf("reading app %q: %w", id, err)
	}
	return &a, nil
}

// Apps returns every app ordered by id.
func (t *Tx) Apps() ([]*App, error) {
	var out []*App
	err := each(t, bucketApps, nil, func(_ []byte, a *App) bool {
		out = append(out, a)
		return true
	})
	return out, err
}

// PutApp creates or replaces a.
func (t *Tx) PutApp(a *App) error {
	return t.putJSON(bucketApps, []byte(a.ID), a)
}

// EnsureApp returns the app with id, creating it with a fresh verify
// token at now if it does not exist.
func (t *Tx) EnsureApp(id string, now time.Time) (*App, error) {
	a, err := t.App(id)
	if err == nil {
		return a, nil
	}
	a = &App{ID: id, VerifyToken: newVerifyToken(), CreatedAt: now.UTC()}
	return a, t.PutApp(a)
}

// AppChannels returns the channels of app id, ordered by channel id.
func (t *Tx) AppChannels(id string) ([]*Channel, error) {
	all, err := t.Channels()
	if err != nil {
		return nil, err
	}
	var out []*Channel
	for _, c := range all {
		if c.AppID == id {
			out = append(out, c)
		}
	}
	return out, nil
}

// newVerifyToken returns a random token for Meta's webhook handshake.
func newVerifyToken() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// MaxUnrouted is how many unrouted updates are kept; older ones are
// dropped from the list but stay counted.
const MaxUnrouted = 10000

// Unrouted is a signed webhook update that no channel owns: a number or
// WABA of the app wachan has no channel for.
type Unrouted struct {
	Seq        uint64    `json:"seq"`
	ReceivedAt time.Time `json:"received_at"`
	// AppID is the app whose secret signed it; Via the channel whose URL
	// (or whose app's URL) received it.
	AppID string `json:"app_id,omitempty"`
	Via   string `json:"via,omitempty"`
	Field string `json:"field,omitempty"`
	Kind  string `json:"kind,omitempty"`
	// PhoneNumberID and DisplayPhoneNumber name the number of a message,
	// status or echo; WABAID the account of the entry.
	PhoneNumberID      string          `json:"phone_number_id,omitempty"`
	DisplayPhoneNumber string          `json:"display_phone_number,omitempty"`
	WABAID             string          `json:"waba_id,omitempty"`
	Reason             string          `json:"reason"`
	Raw                json.RawMessage `json:"raw,omitempty"`
}

// AddUnrouted keeps u, dropping the oldest kept update beyond MaxUnrouted.
func (t *Tx) AddUnrouted(u *Unrouted) error {
	seq, err := t.nextSeq(bucketUnrouted)
	if err != nil {
		return err
	}
	u.Seq = seq
	if err := t.putJSON(bucketUnrouted, itob(seq), u); err != nil {
		return err
	}
	c := t.bucket(bucketUnrouted).Cursor()
	for k, _ := c.First(); k != nil && seq-btoi(k) >= MaxUnrouted; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return fmt.Errorf("trimming unrouted updates: %w", err)
		}
	}
	return nil
}

// UnroutedList returns up to n kept unrouted updates, newest first, and
// how many were ever received.
func (t *Tx) UnroutedList(n int) (list []*Unrouted, total uint64, err error) {
	err = t.EachUnrouted(func(u *Unrouted) bool {
		list = append(list, u)
		return len(list) < n
	})
	if err != nil {
		return nil, 0, err
	}
	return list, t.bucket(bucketUnrouted).Sequence(), nil
}

// EachUnrouted calls fn with each kept unrouted update, newest first,
// until fn returns false.
func (t *Tx) EachUnrouted(fn func(u *Unrouted) bool) error {
	c := t.bucket(bucketUnrouted).Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var u Unrouted
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("decoding unrouted update %d: %w", btoi(k), err)
		}
		if !fn(&u) {
			return nil
		}
	}
	return nil
}

// DeleteUnrouted removes the kept unrouted update seq.
func (t *Tx) DeleteUnrouted(seq uint64) error {
	if err := t.bucket(bucketUnrouted).Delete(itob(seq)); err != nil {
		return fmt.Errorf("deleting unrouted update %d: %w", seq, err)
	}
	return nil
}

// addApps is migration 5: the apps and unrouted buckets, and an app for
// every app id existing channels name.
func addApps(tx *bolt.Tx) error {
	if err := createBuckets(bucketApps, bucketUnrouted)(tx); err != nil {
		return err
	}
	t := &Tx{tx: tx}
	chs, err := t.Channels()
	if err != nil {
		return err
	}
	for _, c := range chs {
		if c.AppID == "" {
			continue
		}
		if _, err := t.EnsureApp(c.AppID, c.CreatedAt); err != nil {
			return fmt.Errorf("creating app %s: %w", c.AppID, err)
		}
	}
	return nil
}

// CheckReport is the outcome of a channel's last Connect or Test
// Connection, kept with the channel.
type CheckReport struct {
	At time.Time `json:"at"`
	// Fix tells a Connect (which may change things at Meta) from a Test
	// Connection (which only reads).
	Fix bool `json:"fix"`
	// OK is true when no step failed.
	OK bool `json:"ok"`
	// Connected is Test Connection's verdict: the token reads the number.
	Connected          bool        `json:"connected"`
	DisplayPhoneNumber string      `json:"display_phone_number,omitempty"`
	VerifiedName       string      `json:"verified_name,omitempty"`
	QualityRating      string      `json:"quality_rating,omitempty"`
	Steps              []CheckStep `json:"steps"`
}

// CheckStep is one step of a CheckReport.
type CheckStep struct {
	Name string `json:"name"`
	// Status is "ok", "fixed", "warning", "failed" or "skipped".
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Fix says what the admin should do when the step did not pass.
	Fix string `json:"fix,omitempty"`
	// Code is Meta's error code, when Meta refused.
	Code int `json:"code,omitempty"`
}
