// Package store keeps wachan's durable state in one bbolt file.
//
// Every value is JSON unless noted; integer keys are 8-byte big-endian so
// cursors walk them in order. The bucket tree:
//
//	meta/
//	  schema_version          -> uint64
//	  admin_token_hash        -> hex SHA-256 of the admin token
//	channels/
//	  <channel id>            -> Channel
//	customers/
//	  <channel id> 0x00 <key> -> Customer (key: wa_id or business-scoped user id)
//	sessions/
//	  <session id>            -> Session
//	messages/
//	  <message id>            -> Message
//	wamids/
//	  <channel id> 0x00 <wamid> -> message id (dedupe and status lookup)
//	journal/
//	  <seq>                   -> JournalEntry (signed webhook bodies not yet processed)
//	outbox/
//	  <seq>                   -> Job (accepted sends not yet finished)
//	templates/
//	  <channel id> 0x00 <name> 0x00 <language> -> Template
//	events/
//	  <seq>                   -> Event (account, quality and template updates)
//	counters/
//	  <channel id>/           (one bucket per channel)
//	    <YYYY-MM-DD>          -> Counts
//
// Schema changes are ordered migrations applied with the schema version in
// one transaction (see migrations.go).
package store
