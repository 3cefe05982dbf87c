// Package campaign sends one approved template to a list of customers:
// campaigns are created from JSON or a CSV upload, fed a bounded window at
// a time into the durable outbox as bulk traffic (which yields to live
// conversations), limited by the account's rolling 24 h messaging limit,
// and followed recipient by recipient from the outbox's and Meta's
// outcomes. It also serves the admin routes of the opt-out list, which
// campaigns honour.
package campaign
