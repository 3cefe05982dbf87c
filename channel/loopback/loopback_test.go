package loopback

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestFreeAddr(t *testing.T) {
	start := ephemeralStart("/proc/sys/net/ipv4/ip_local_port_range")
	seen := map[string]bool{}
	for range 50 {
		addr, err := FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		if seen[addr] {
			t.Fatalf("%s handed out twice", addr)
		}
		seen[addr] = true
		host, p, _ := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(p)
		if host != "127.0.0.1" || (start-lowest >= 1000 && (port < lowest || port >= start)) {
			t.Fatalf("%s is not a loopback port below the ephemeral range (from %d)", addr, start)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("the address handed out cannot be bound: %v", err)
		}
		ln.Close()
	}
}

func TestEphemeralStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		file string
		want int
	}{
		{write("debian", "49152\t65535\n"), 49152},
		{write("garbage", "garbage"), 32768},
		{filepath.Join(dir, "missing"), 32768},
	} {
		if got := ephemeralStart(tt.file); got != tt.want {
			t.Errorf("ephemeralStart(%s) = %d, want %d", tt.file, got, tt.want)
		}
	}
}
