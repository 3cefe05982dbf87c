// Command wachan turns WhatsApp Business numbers into an Asterisk PBX
// message channel.
package main

import "os"

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
