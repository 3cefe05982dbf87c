package store

import (
	"fmt"
	"strconv"
	"strings"
)

// AddressPrefix starts every SIP user part owned by wachan.
const AddressPrefix = "wa-"

// CustomerAddress returns the customer's stable SIP user part, creating it
// on first use: "wa-<n>-<wa_id>" for a phone number and "wa-<n>-u<k>" for a
// customer known only by a business-scoped user id, where n is a short
// per-channel index so that two channels reaching one agent never collide.
func (t *Tx) CustomerAddress(channel, customer, waID string) (string, error) {
	b := t.bucket(bucketAddresses)
	ck := append([]byte("c:"), compositeKey(channel, customer)...)
	if v := b.Get(ck); v != nil {
		return string(v), nil
	}
	n, err := t.channelIndex(channel)
	if err != nil {
		return "", err
	}
	var addr string
	if waID != "" && isDigits(waID) {
		addr = fmt.Sprintf("%s%d-%s", AddressPrefix, n, waID)
	} else {
		k, err := b.NextSequence()
		if err != nil {
			return "", fmt.Errorf("allocating address: %w", err)
		}
		addr = fmt.Sprintf("%s%d-u%d", AddressPrefix, n, k)
	}
	if err := b.Put(ck, []byte(addr)); err != nil {
		return "", fmt.Errorf("writing address: %w", err)
	}
	if err := b.Put(append([]byte("a:"), addr...), compositeKey(channel, customer)); err != nil {
		return "", fmt.Errorf("writing address: %w", err)
	}
	return addr, nil
}

// AddressOwner returns the channel and customer key of a SIP user part, or
// ErrNotFound.
func (t *Tx) AddressOwner(addr string) (channel, customer string, err error) {
	v := t.bucket(bucketAddresses).Get(append([]byte("a:"), strings.ToLower(addr)...))
	if v == nil {
		return "", "", fmt.Errorf("looking up address %q: %w", addr, ErrNotFound)
	}
	channel, customer, _ = strings.Cut(string(v), "\x00")
	return channel, customer, nil
}

// channelIndex returns the channel's short index, allocating it on first
// use.
func (t *Tx) channelIndex(channel string) (uint64, error) {
	b := t.bucket(bucketAddresses)
	k := append([]byte("n:"), channel...)
	if v := b.Get(k); v != nil {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("decoding channel index: %w", err)
		}
		return n, nil
	}
	var n uint64 = 1
	c := b.Cursor()
	for key, _ := c.Seek([]byte("n:")); key != nil && strings.HasPrefix(string(key), "n:"); key, _ = c.Next() {
		n++
	}
	if err := b.Put(k, []byte(strconv.FormatUint(n, 10))); err != nil {
		return 0, fmt.Errorf("writing channel index: %w", err)
	}
	return n, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ChannelByIndex returns the channel whose short address index is n, or
// ErrNotFound.
func (t *Tx) ChannelByIndex(n uint64) (string, error) {
	want := strconv.FormatUint(n, 10)
	c := t.bucket(bucketAddresses).Cursor()
	for k, v := c.Seek([]byte("n:")); k != nil && strings.HasPrefix(string(k), "n:"); k, v = c.Next() {
		if string(v) == want {
			return string(k[2:]), nil
		}
	}
	return "", fmt.Errorf("looking up channel index %d: %w", n, ErrNotFound)
}

// ParseNumberAddress splits "wa-<n>-<digits>" into the channel index and
// the phone number's digits; ok is false for anything else.
func ParseNumberAddress(addr string) (index uint64, digits string, ok bool) {
	rest, found := strings.CutPrefix(strings.ToLower(addr), AddressPrefix)
	if !found {
		return 0, "", false
	}
	idx, digits, found := strings.Cut(rest, "-")
	if !found || !isDigits(idx) || !isDigits(digits) {
		return 0, "", false
	}
	n, err := strconv.ParseUint(idx, 10, 64)
	if err != nil || n == 0 {
		return 0, "", false
	}
	return n, digits, true
}
