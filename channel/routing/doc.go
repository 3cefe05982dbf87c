// Package routing turns WhatsApp conversations into sessions and routes them
// to agents' SIP phones through the PBX: a channel's destination is an
// extension or a queue (ringall, roundrobin or leastbusy; first-reply,
// take-only or shared pick-up; with optional sticky agents, a limit of
// conversations per member, away message and overflow), agents answer from
// their softphones and steer sessions with chat commands (/take, /release,
// /transfer, /close, /reopen, /history, /info, /help). Only a queue's
// members may take its conversations.
//
// Durable state lives in the store. One goroutine (Router.Run) owns the
// routing state machine: presence, offers, ring and idle timers; it is fed
// through channels by the PBX callbacks and admin calls. Messages for agents
// are written to the store's deliveries bucket in the same transaction as
// the event that caused them and sent, in order, by one delivery goroutine,
// which holds an offline agent's messages until its phone registers again.
package routing
