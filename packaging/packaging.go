// Package packaging holds the files that install wachan on a host: the
// systemd unit, the default configuration, and the nfpm description of the
// Debian package built by scripts/build-deb.sh.
//
// The unit in systemd/wachan.service is the single source of truth. The
// Debian package ships it unchanged, and "wachan service install" writes the
// text returned by Unit, which differs from the file only in the paths and
// user it was asked for.
package packaging

import (
	_ "embed"
	"fmt"
	"strings"
)

// Packaged defaults: the paths and account the Debian package installs.
const (
	// DefaultBinPath is where the package installs the wachan binary.
	DefaultBinPath = "/usr/bin/wachan"
	// DefaultConfigPath is where the package installs the configuration file.
	DefaultConfigPath = "/etc/wachan/wachan.toml"
	// DefaultUser is the system user and group the service runs as.
	DefaultUser = "wachan"
	// UnitName is the systemd unit name the service is installed under.
	UnitName = "wachan.service"
)

// SystemdUnit is the text of systemd/wachan.service as shipped in the Debian
// package. It is a variable only because go:embed requires one: treat it as
// read-only and call Unit for a copy with other paths.
//
//go:embed systemd/wachan.service
var SystemdUnit string

// Unit returns the systemd unit with ExecStart running binPath with
// configPath, and User= set to user. binPath and configPath must be absolute
// paths; user must be an existing account name (it is written verbatim). When
// user is not DefaultUser the Group= line is dropped so systemd uses that
// user's primary group. When the binary or the configuration lives under a
// home directory, ProtectHome= is relaxed to read-only so the service can
// still reach them. Called with DefaultBinPath, DefaultConfigPath and
// DefaultUser it returns SystemdUnit unchanged.
//
// Arguments are quoted for systemd's command-line syntax, and any character
// outside a conservative set is escaped inside double quotes, so the result
// never contains "{{" or other template delimiters.
func Unit(binPath, configPath, user string) string {
	underHome := inHome(binPath) || inHome(configPath)
	lines := strings.SplitAfter(SystemdUnit, "\n")
	var b strings.Builder
	b.Grow(len(SystemdUnit) + len(binPath) + len(configPath))
	for _, line := range lines {
		key, _, _ := strings.Cut(strings.TrimRight(line, "\n"), "=")
		switch key {
		case "ExecStart":
			fmt.Fprintf(&b, "ExecStart=%s serve --config %s\n", execArg(binPath, true), execArg(configPath, false))
		case "User":
			fmt.Fprintf(&b, "User=%s\n", user)
		case "Group":
			if user == DefaultUser {
				b.WriteString(line)
			}
		case "ProtectHome":
			if underHome {
				b.WriteString("ProtectHome=read-only\n")
			} else {
				b.WriteString(line)
			}
		default:
			b.WriteString(line)
		}
	}
	return b.String()
}

// inHome reports whether path lies in a tree that ProtectHome=yes hides.
func inHome(path string) bool {
	for _, dir := range []string{"/home", "/root", "/run/user"} {
		if path == dir || strings.HasPrefix(path, dir+"/") {
			return true
		}
	}
	return false
}

// execArg renders s as one word of a systemd command line. Specifier
// characters are doubled ("%%"), and so are variable characters ("$$") except
// in the executable path (word 0), which systemd does not expand; a word with
// anything beyond letters, digits and "/._+:@,=-" is double-quoted with C
// escapes.
func execArg(s string, executable bool) string {
	plain := s != ""
	for i := 0; i < len(s); i++ {
		if c := s[i]; !safeByte(c) && c != '%' && c != '$' {
			plain = false
			break
		}
	}
	var b strings.Builder
	if !plain {
		b.WriteByte('"')
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			b.WriteString("%%")
		case c == '$' && !executable:
			b.WriteString("$$")
		case c == '$':
			b.WriteByte(c)
		case safeByte(c), c == ' ', c >= 0x80:
			b.WriteByte(c)
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	if !plain {
		b.WriteByte('"')
	}
	return b.String()
}

// safeByte reports whether c can appear unquoted in a systemd command line.
func safeByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("/._+:@,=-", c) >= 0
}
