// Package loopback picks free TCP ports on 127.0.0.1 for servers that must
// know their address before they listen (the daemon builds its public URL
// from it): the demo, the load tool and tests.
//
// Ports come from below the system's ephemeral range, the one the kernel
// hands out for port 0 and outgoing connections, so nothing else running
// takes a port picked here before its server binds it. Within a process a
// port is handed out once.
package loopback

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// lowest is the lowest port picked.
const lowest = 10000

var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// FreeAddr returns "127.0.0.1:<port>" for a port nobody listens on now and
// that this process has not handed out before.
func FreeAddr() (string, error) {
	hi := ephemeralStart("/proc/sys/net/ipv4/ip_local_port_range")
	if hi-lowest < 1000 {
		return kernelPort()
	}
	mu.Lock()
	defer mu.Unlock()
	for range 200 {
		port := lowest + rand.IntN(hi-lowest)
		if given[port] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		ln.Close()
		given[port] = true
		return addr, nil
	}
	return "", errors.New("finding a free port on 127.0.0.1: 200 ports below the ephemeral range were taken")
}

// ephemeralStart returns the first port of the kernel's ephemeral range as
// file (ip_local_port_range) gives it, or Linux's default 32768.
func ephemeralStart(file string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || n > 65535 {
		return 32768
	}
	return n
}

// kernelPort is FreeAddr where the ephemeral range leaves no room below
// it: a port the kernel picks, free now.
func kernelPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port on 127.0.0.1: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
