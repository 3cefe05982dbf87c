// Package templates keeps each channel's WhatsApp message templates in
// step with Meta (paged sync on demand and on a schedule, live status,
// quality and category webhooks), serves them on the admin API and builds
// template sends, checking every parameter against the stored definition
// before a request reaches Meta.
package templates
