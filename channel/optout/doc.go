// Package optout keeps each channel's list of customers who asked not to
// receive campaigns: an inbound message whose whole text is a stop word
// ("STOP", "UNSUBSCRIBE", …) adds the customer, a start word ("START")
// removes them, and admins manage the list and the words over the API.
// Campaigns skip opted-out customers; Is and Notice let other parts check
// and show it.
package optout
