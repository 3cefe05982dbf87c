// Command wachan-load drives a wachan daemon with customer traffic over
// loopback and reports throughput, latency, errors and memory.
//
// By default it starts a Graph API emulator and an ARI emulator with
// simulated phones, runs the wachan binary as a child process wired to
// them, creates channels through the admin API, posts signed webhooks from
// simulated customers and lets simulated agents answer every message from
// their phones, so replies flow back to the Graph emulator. Run it with
// --help for the flags.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
