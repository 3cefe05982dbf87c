// Package store keeps wachan's durable state in one bbolt file.
//
// Every value is JSON unless noted; integer keys are 8-byte big-endian so
// cursors walk them in order. The bucket tree:
//
//	meta/
//	  schema_version          -> uint64
//	  counter_slots_since     -> YYYY-MM-DD (UTC day of migration 9; days up to
//	                             it may have counters without slots)
//	  admin_token_hash        -> hex SHA-256 of the admin token
//	  media_link_key          -> 32-byte secret signing media links
//	channels/
//	  <channel id>            -> Channel
//	customers/
//	  <channel id> 0x00 <key> -> Customer (key: business-scoped user id or wa_id)
//	  <channel id> 0x00 0x00 <wa_id or user id> -> key of the customer it names
//	sessions/
//	  <session id>            -> Session
//	messages/
//	  <message id>            -> Message
//	wamids/
//	  <channel id> 0x00 <wamid> -> message id (dedupe and status lookup)
//	  <channel id> 0x00 "sha256:" <hex> -> message id (a message Meta sent without an id)
//	  <channel id> 0x00 "event:" <hex> -> event seq (an update other than a message, once)
//	journal/
//	  <seq>                   -> JournalEntry (signed webhook bodies not yet processed)
//	outbox/
//	  <seq>                   -> Job (accepted sends not yet finished)
//	templates/
//	  <channel id> 0x00 <name> 0x00 <language> -> Template
//	  <channel id> 0x00 0x00  -> TemplateSync (the last sync)
//	events/
//	  <seq>                   -> Event (Meta's notices: errors, template, quality, account, preference and sync updates)
//	counters/
//	  <channel id>/           (one bucket per channel)
//	    <YYYY-MM-DD>          -> Counts (per UTC day)
//	counter_slots/
//	  <channel id>/           (one bucket per channel)
//	    <YYYY-MM-DDTHH:MM>    -> Counts per quarter hour from its UTC start (sums
//	                             per day in any time zone), as six varints:
//	                             received, sent, sent_ok, sent_failed,
//	                             delivered, read
//	queues/
//	  <queue name>            -> Queue
//	open_sessions/
//	  <channel id> 0x00 <customer key> -> session id of the open session
//	message_index/
//	  'c' <channel id> 0x00 <customer key> 0x00 <message id> -> (empty)
//	  's' <session id> <message id> -> (empty)
//	sticky/
//	  <channel id> 0x00 <customer key> -> LastAgent
//	addresses/
//	  "n:" <channel id>       -> decimal channel index (in SIP addresses)
//	  "c:" <channel id> 0x00 <customer key> -> SIP user part, e.g. wa-1-447700900001
//	  "a:" <SIP user part>    -> <channel id> 0x00 <customer key>
//	deliveries/
//	  <seq>                   -> Delivery (SIP messages not yet accepted by the PBX)
//	media/
//	  <file id>               -> MediaFile (a stored file, its references and expiry)
//	media_files/
//	  <sha256 hex>            -> file id (one copy of each content, kept at
//	                             <data dir>/media/<first 2 hex>/<sha256 hex>)
//	media_jobs/
//	  <message id>            -> MediaJob (inbound media still to fetch)
//	api_keys/
//	  <key id>                -> APIKey (secret stored hashed, channel scope;
//	                             revoked keys stay with revoked_at)
//	idempotency/
//	  <key id or "admin"> 0x00 <Idempotency-Key> -> Idempotency (message id, body hash)
//	  0x01 <channel id> 0x00 <customer key> -> ReplyTo (where the reply's session goes)
//	hook_out/
//	  <seq>                   -> HookDelivery (event webhooks not yet delivered)
//	campaigns/
//	  <campaign id>           -> Campaign
//	recipients/
//	  <campaign id> <seq>     -> Recipient
//	optouts/
//	  <channel id> 0x00 <customer key> -> OptOut
//	users/
//	  <name>                  -> User (admin or agent; password hashed)
//	web_sessions/
//	  <sha256 of the cookie>  -> WebSession
//	apps/
//	  <Meta app id>           -> App (verify token of the app's callback URL)
//	unrouted/
//	  <seq>                   -> Unrouted (signed updates no channel owns; the
//	                             last MaxUnrouted, the sequence counts all)
//	button_actions/
//	  <channel id> 0x00 <trigger> -> ButtonAction (a reply id or payload's action)
//	canned_replies/
//	  <owner> 0x00 <shortcut> -> CannedReply (owner "" for shared, else an extension)
//	menus/
//	  'm' <channel id>        -> Menu (the chat menu and business hours)
//	  's' <channel id> 0x00 <customer key> -> MenuState (a menu awaiting its answer)
//
// Schema changes are ordered migrations applied with the schema version in
// one transaction (see migrations.go).
package store
