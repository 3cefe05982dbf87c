package packaging

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/wachan/wachan/config"
)

// directives parses a unit into section -> key -> values, failing on lines
// that are neither comments, section headers nor key=value pairs.
func directives(t *testing.T, unit string) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(unit))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			key, val, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.TrimSpace(key) != key || key == "" {
				t.Fatalf("unit line %d %q is not a directive in a section", n, line)
			}
			out[section][key] = append(out[section][key], val)
		}
	}
	return out
}

func TestSystemdUnitDirectives(t *testing.T) {
	d := directives(t, SystemdUnit)
	tests := []struct {
		section, key, want string
	}{
		{"Service", "Type", "notify"},
		{"Service", "NotifyAccess", "main"},
		{"Service", "WatchdogSec", "30s"},
		{"Service", "Restart", "on-failure"},
		{"Service", "User", "wachan"},
		{"Service", "Group", "wachan"},
		{"Service", "ExecStart", "/usr/bin/wachan serve --config /etc/wachan/wachan.toml"},
		{"Service", "ExecReload", "/bin/kill -HUP $MAINPID"},
		{"Service", "StateDirectory", "wachan"},
		{"Service", "ConfigurationDirectory", "wachan"},
		{"Service", "Environment", "WACHAN_DATA_DIR=/var/lib/wachan"},
		{"Service", "ProtectSystem", "strict"},
		{"Service", "ProtectHome", "yes"},
		{"Service", "PrivateTmp", "yes"},
		{"Service", "NoNewPrivileges", "yes"},
		{"Service", "PrivateDevices", "yes"},
		{"Service", "ProtectKernelTunables", "yes"},
		{"Service", "ProtectKernelModules", "yes"},
		{"Service", "ProtectKernelLogs", "yes"},
		{"Service", "ProtectControlGroups", "yes"},
		{"Service", "RestrictNamespaces", "yes"},
		{"Service", "LockPersonality", "yes"},
		{"Service", "MemoryDenyWriteExecute", "yes"},
		{"Service", "SystemCallArchitectures", "native"},
		{"Service", "RestrictRealtime", "yes"},
		{"Service", "RestrictSUIDSGID", "yes"},
		{"Service", "AmbientCapabilities", "CAP_NET_BIND_SERVICE"},
		{"Service", "CapabilityBoundingSet", "CAP_NET_BIND_SERVICE"},
		{"Service", "LimitNOFILE", "65536"},
		{"Service", "TimeoutStopSec", "20s"},
		{"Install", "WantedBy", "multi-user.target"},
	}
	for _, tt := range tests {
		t.Run(tt.section+"/"+tt.key, func(t *testing.T) {
			got := d[tt.section][tt.key]
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("[%s] %s = %q, want exactly [%q]", tt.section, tt.key, got, tt.want)
			}
		})
	}
}

func TestUnitDefaultsAreTheShippedFile(t *testing.T) {
	file, err := os.ReadFile(filepath.Join("systemd", "wachan.service"))
	if err != nil {
		t.Fatal(err)
	}
	if SystemdUnit != string(file) {
		t.Fatal("SystemdUnit differs from systemd/wachan.service")
	}
	if got := Unit(DefaultBinPath, DefaultConfigPath, DefaultUser); got != string(file) {
		t.Errorf("Unit(defaults) differs from systemd/wachan.service:\n%s", got)
	}
}

func TestUnitSubstitutes(t *testing.T) {
	tests := []struct {
		name                   string
		bin, config, user      string
		execStart, protectHome string
		group                  []string
	}{
		{
			name: "opt paths, other user",
			bin:  "/opt/wachan/bin/wachan", config: "/opt/wachan/etc/wachan.toml", user: "asterisk",
			execStart:   "/opt/wachan/bin/wachan serve --config /opt/wachan/etc/wachan.toml",
			protectHome: "yes",
			group:       nil,
		},
		{
			name: "space and quote are quoted",
			bin:  `/opt/wa chan/wachan`, config: `/etc/wa"chan/c.toml`, user: "wachan",
			execStart:   `"/opt/wa chan/wachan" serve --config "/etc/wa\"chan/c.toml"`,
			protectHome: "yes",
			group:       []string{"wachan"},
		},
		{
			name: "specifiers, variables and template braces are escaped",
			bin:  "/srv/100%/$HOME/wachan", config: "/etc/{{.Path}}\n/$x%.toml", user: "wachan",
			execStart:   `/srv/100%%/$HOME/wachan serve --config "/etc/\x7b\x7b.Path\x7d\x7d\x0a/$$x%%.toml"`,
			protectHome: "yes",
			group:       []string{"wachan"},
		},
		{
			name: "binary under home relaxes ProtectHome",
			bin:  "/home/ops/bin/wachan", config: DefaultConfigPath, user: "ops",
			execStart:   "/home/ops/bin/wachan serve --config /etc/wachan/wachan.toml",
			protectHome: "read-only",
			group:       nil,
		},
		{
			name: "config under /root relaxes ProtectHome",
			bin:  DefaultBinPath, config: "/root/wachan.toml", user: "wachan",
			execStart:   "/usr/bin/wachan serve --config /root/wachan.toml",
			protectHome: "read-only",
			group:       []string{"wachan"},
		},
		{
			name: "prefix of home is not home",
			bin:  "/homework/wachan", config: DefaultConfigPath, user: "wachan",
			execStart:   "/homework/wachan serve --config /etc/wachan/wachan.toml",
			protectHome: "yes",
			group:       []string{"wachan"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unit := Unit(tt.bin, tt.config, tt.user)
			if strings.Contains(unit, "{{") {
				t.Errorf("unit contains template delimiters:\n%s", unit)
			}
			d := directives(t, unit)["Service"]
			if got := d["ExecStart"]; len(got) != 1 || got[0] != tt.execStart {
				t.Errorf("ExecStart = %q, want [%q]", got, tt.execStart)
			}
			if got := d["User"]; len(got) != 1 || got[0] != tt.user {
				t.Errorf("User = %q, want [%q]", got, tt.user)
			}
			if got := d["Group"]; strings.Join(got, ",") != strings.Join(tt.group, ",") {
				t.Errorf("Group = %q, want %q", got, tt.group)
			}
			if got := d["ProtectHome"]; len(got) != 1 || got[0] != tt.protectHome {
				t.Errorf("ProtectHome = %q, want [%q]", got, tt.protectHome)
			}
			// Everything else is untouched.
			for _, key := range []string{"Type", "WatchdogSec", "ProtectSystem", "StateDirectory", "ExecReload"} {
				if got, want := d[key], directives(t, SystemdUnit)["Service"][key]; strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("%s = %q, want %q", key, got, want)
				}
			}
		})
	}
}

// TestNfpmSourcesExist checks that every src in nfpm.yaml, with ${GOARCH}
// expanded the way build-deb.sh builds the binary, names a file in the
// repository, and that the packaged files keep their required attributes.
func TestNfpmSourcesExist(t *testing.T) {
	raw, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	yaml := string(raw)
	srcRe := regexp.MustCompile(`(?m)^\s*(?:-\s+)?(src|postinstall|preremove|postremove):\s*(\S+)\s*$`)
	matches := srcRe.FindAllStringSubmatch(yaml, -1)
	seen := map[string]bool{}
	for _, m := range matches {
		path := m[2]
		seen[path] = true
		t.Run(path, func(t *testing.T) {
			if strings.HasPrefix(path, "bin/") {
				// Built by scripts/build-deb.sh, not committed.
				if path != "bin/wachan-linux-${GOARCH}" {
					t.Errorf("binary source %q, want bin/wachan-linux-${GOARCH}", path)
				}
				return
			}
			info, err := os.Stat(filepath.Join("..", path))
			if err != nil {
				t.Fatalf("nfpm.yaml source: %v", err)
			}
			if m[1] != "src" && info.Mode().Perm()&0o111 == 0 {
				t.Errorf("maintainer script %s is not executable", path)
			}
		})
	}
	for _, want := range []string{
		"bin/wachan-linux-${GOARCH}", "packaging/wachan.toml", "packaging/systemd/wachan.service",
		"scripts/postinst.sh", "scripts/prerm.sh", "scripts/postrm.sh",
	} {
		if !seen[want] {
			t.Errorf("nfpm.yaml does not reference %s", want)
		}
	}
	for _, want := range []string{
		"name: wachan\n", "arch: ${GOARCH}\n", "version: ${VERSION}\n", "license: MIT\n",
		"src: bin/wachan-linux-${GOARCH}\n    dst: /usr/bin/wachan\n    expand: true\n", "dst: /etc/wachan/wachan.toml\n    type: config|noreplace\n",
		"dst: /lib/systemd/system/wachan.service\n", "dst: /var/lib/wachan\n    type: dir\n",
	} {
		if !strings.Contains(yaml, want) {
			t.Errorf("nfpm.yaml lacks %q", want)
		}
	}
}

// TestDefaultConfig checks that the packaged configuration loads and
// validates, sets only listen and data_dir, carries no secret values, and that
// every commented-out example is a known key with a value of the right type.
func TestDefaultConfig(t *testing.T) {
	raw, err := os.ReadFile("wachan.toml")
	if err != nil {
		t.Fatal(err)
	}
	var set map[string]any
	if _, err := toml.Decode(string(raw), &set); err != nil {
		t.Fatalf("wachan.toml: %v", err)
	}
	want := map[string]any{"listen": "127.0.0.1:8080", "data_dir": "/var/lib/wachan"}
	if !reflect.DeepEqual(set, want) {
		t.Errorf("active settings %v, want %v", set, want)
	}

	c, _, err := config.Load([]string{"--config", "wachan.toml"}, nil)
	if err != nil {
		t.Fatalf("loading wachan.toml: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("wachan.toml does not validate: %v", err)
	}

	// Uncomment every "#key = value" example and load the result: the
	// config loader rejects unknown keys and mistyped values.
	example := regexp.MustCompile(`(?m)^#([a-z_]+ = .*)$`)
	examples := example.FindAllStringSubmatch(string(raw), -1)
	if len(examples) < 10 {
		t.Fatalf("only %d commented-out examples", len(examples))
	}
	for _, m := range examples {
		if _, val, _ := strings.Cut(m[1], " = "); strings.Contains(m[1], "password") || strings.Contains(m[1], "token") {
			if val != `""` {
				t.Errorf("secret example %q has a value", m[1])
			}
		}
	}
	path := filepath.Join(t.TempDir(), "all.toml")
	if err := os.WriteFile(path, []byte(example.ReplaceAllString(string(raw), "$1")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := config.Load([]string{"--config", path}, nil); err != nil {
		t.Errorf("wachan.toml with every example uncommented: %v", err)
	}
}
