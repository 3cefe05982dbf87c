// Command wachan turns WhatsApp Business numbers into an Asterisk PBX
// message channel.
package main

import (
	"os"
	// Time zone names (time_zone) work even where the system has no
	// zone database.
	_ "time/tzdata"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
