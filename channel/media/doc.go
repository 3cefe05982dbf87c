// Package media moves WhatsApp media both ways between customers and PBX
// agents, whose softphones cannot show files.
//
// Inbound media is fetched from the Cloud API right after the webhook
// (its download URL lives about five minutes), checked against its
// announced size and SHA-256, and kept on disk content-addressed, once per
// content, for the retention period. Agents get signed, expiring links
// served by the route Register mounts. Outbound, Attach checks a file given by an agent
// (upload or URL) against WhatsApp's limits by its content, stores it and
// builds the Cloud API message that points at a served link or at an
// uploaded media id. A sweeper deletes files once no unexpired reference
// remains.
package media
