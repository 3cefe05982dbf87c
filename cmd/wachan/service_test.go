package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kardianos/service"

	"github.com/wachan/wachan/packaging"
)

// detectedSystem wraps a service system so the library picks it on a host
// where it is not the running service manager.
type detectedSystem struct{ service.System }

func (detectedSystem) Detect() bool { return true }

// useSystemd makes the service library use its systemd backend for the rest
// of the test, with a fake systemctl that appends its arguments to the
// returned log file, and HOME in a temporary directory so a user-level
// install writes under it. It returns the log path and the home directory.
func useSystemd(t *testing.T) (logPath, home string) {
	t.Helper()
	var systemd service.System
	for _, s := range service.AvailableSystems() {
		if s.String() == "linux-systemd" {
			systemd = s
		}
	}
	if systemd == nil {
		t.Fatal("service library has no linux-systemd backend")
	}
	saved := append([]service.System(nil), service.AvailableSystems()...)
	service.ChooseSystem(detectedSystem{systemd})
	t.Cleanup(func() { service.ChooseSystem(saved...) })

	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	home = filepath.Join(dir, "home")
	logPath = filepath.Join(dir, "systemctl.log")
	for _, d := range []string{bin, home} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\necho \"$*\" >> '" + logPath + "'\n"
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("HOME", home)
	return logPath, home
}

// TestServiceUnitInstalledBySystemd installs through the library's real
// systemd backend (as a user service under a temporary HOME) and checks the
// file it writes is exactly our unit: the library renders SystemdScript as a
// template, and that must give back the text unchanged.
func TestServiceUnitInstalledBySystemd(t *testing.T) {
	logPath, home := useSystemd(t)
	tests := []struct {
		name              string
		exe, config, user string
		want              string
	}{
		{
			name: "packaged defaults",
			exe:  packaging.DefaultBinPath, config: packaging.DefaultConfigPath, user: packaging.DefaultUser,
			want: packaging.SystemdUnit,
		},
		{
			name: "other paths and user",
			exe:  "/opt/wachan/wachan", config: "/opt/wachan/wachan.toml", user: "asterisk",
			want: packaging.Unit("/opt/wachan/wachan", "/opt/wachan/wachan.toml", "asterisk"),
		},
		{
			name: "template delimiters in paths",
			exe:  "/opt/{{Path}}/wachan", config: "/etc/{{range Arguments}}x{{end}}.toml", user: "wachan",
			want: packaging.Unit("/opt/{{Path}}/wachan", "/etc/{{range Arguments}}x{{end}}.toml", "wachan"),
		},
	}
	unitPath := filepath.Join(home, ".config", "systemd", "user", packaging.UnitName)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(unitPath)
			os.Remove(logPath)
			cfg, err := serviceConfig(tt.exe, tt.config, tt.user)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Option["UserService"] = true
			svc, err := service.New(program{}, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := svc.Platform(); got != "linux-systemd" {
				t.Fatalf("platform %q", got)
			}
			if err := svc.Install(); err != nil {
				t.Fatalf("Install: %v", err)
			}
			got, err := os.ReadFile(unitPath)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("installed unit differs:\n--- got\n%s\n--- want\n%s", got, tt.want)
			}
			calls, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			if want := "enable --user wachan.service\ndaemon-reload --user\n"; string(calls) != want {
				t.Errorf("systemctl calls %q, want %q", calls, want)
			}
		})
	}
	if !strings.Contains(packaging.SystemdUnit, "ExecStart=/usr/bin/wachan serve --config /etc/wachan/wachan.toml\n") {
		t.Error("packaged unit does not run /usr/bin/wachan serve")
	}
}

func TestServiceConfig(t *testing.T) {
	cfg, err := serviceConfig("/usr/local/bin/wachan", "/etc/wachan/other.toml", "pbx")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "wachan" || cfg.UserName != "pbx" || cfg.Executable != "/usr/local/bin/wachan" {
		t.Errorf("config %+v", cfg)
	}
	if want := []string{"serve", "--config", "/etc/wachan/other.toml"}; !reflect.DeepEqual(cfg.Arguments, want) {
		t.Errorf("Arguments = %q, want %q", cfg.Arguments, want)
	}
	if got := cfg.Option["SystemdScript"]; got != packaging.Unit("/usr/local/bin/wachan", "/etc/wachan/other.toml", "pbx") {
		t.Errorf("SystemdScript = %q", got)
	}
}

// fakeService records the calls made on it and returns canned results.
type fakeService struct {
	platform  string
	status    service.Status
	statusErr error
	errs      map[string]error
	calls     []string
}

func (f *fakeService) call(name string) error {
	f.calls = append(f.calls, name)
	return f.errs[name]
}
func (f *fakeService) Run() error       { return f.call("run") }
func (f *fakeService) Start() error     { return f.call("start") }
func (f *fakeService) Stop() error      { return f.call("stop") }
func (f *fakeService) Restart() error   { return f.call("restart") }
func (f *fakeService) Install() error   { return f.call("install") }
func (f *fakeService) Uninstall() error { return f.call("uninstall") }
func (f *fakeService) Logger(chan<- error) (service.Logger, error) {
	return nil, errors.New("no logger")
}
func (f *fakeService) SystemLogger(chan<- error) (service.Logger, error) {
	return nil, errors.New("no logger")
}
func (f *fakeService) String() string   { return "wachan" }
func (f *fakeService) Platform() string { return f.platform }
func (f *fakeService) Status() (service.Status, error) {
	f.calls = append(f.calls, "status")
	return f.status, f.statusErr
}

func TestServiceCommand(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name       string
		args       []string
		euid       int
		noUser     bool
		packaged   bool // the Debian package's unit file is present
		svc        fakeService
		wantCode   int
		wantCalls  []string
		wantOut    string // substring of stdout
		wantErr    string // substring of stderr
		wantConfig string // expected --config in the service arguments
		wantUser   string
	}{
		{name: "no action", args: nil, wantCode: 2, wantErr: "missing action"},
		{name: "unknown action", args: []string{"frobnicate"}, wantCode: 2, wantErr: `unknown action "frobnicate"`},
		{name: "extra argument", args: []string{"start", "now"}, wantCode: 2, wantErr: `unexpected argument "now"`},
		{name: "unknown flag", args: []string{"install", "--port", "1"}, wantCode: 2, wantErr: "flag provided but not defined: -port"},
		{name: "bad user", args: []string{"install", "--user", "root;rm"}, wantCode: 2, wantErr: `invalid --user "root;rm"`},
		{name: "help flag", args: []string{"--help"}, wantCode: 0, wantOut: "usage: wachan service ACTION"},
		{name: "help action", args: []string{"help"}, wantCode: 0, wantOut: "uninstall"},
		{
			name: "install", args: []string{"install"}, svc: fakeService{platform: "linux-systemd"},
			wantCode: 0, wantCalls: []string{"install"}, wantOut: "installed linux-systemd service running /opt/wachan/wachan as wachan",
			wantConfig: packaging.DefaultConfigPath, wantUser: "wachan",
		},
		{
			name: "install flags before action", args: []string{"--config", "/srv/w.toml", "--user", "pbx", "install"},
			svc:      fakeService{platform: "linux-systemd"},
			wantCode: 0, wantCalls: []string{"install"}, wantConfig: "/srv/w.toml", wantUser: "pbx",
		},
		{
			name: "install as non-root", args: []string{"install"}, euid: 1000,
			wantCode: 1, wantErr: "installing service: must be run as root",
		},
		{
			name: "install without the user", args: []string{"install", "--user", "nobody2"}, noUser: true,
			svc:      fakeService{platform: "linux-systemd"},
			wantCode: 1, wantErr: `installing service: user "nobody2" does not exist`,
		},
		{
			name: "install over the package", args: []string{"install"}, packaged: true,
			svc:      fakeService{platform: "linux-systemd"},
			wantCode: 1, wantErr: "installed by the wachan package",
		},
		{
			name: "package unit ignored without systemd", args: []string{"install"}, packaged: true,
			svc:      fakeService{platform: "unix-systemv"},
			wantCode: 0, wantCalls: []string{"install"},
		},
		{
			name: "install fails", args: []string{"install"},
			svc:      fakeService{platform: "linux-systemd", errs: map[string]error{"install": boom}},
			wantCode: 1, wantCalls: []string{"install"}, wantErr: "installing service: boom",
		},
		{
			name: "uninstall stops first", args: []string{"uninstall"},
			svc:      fakeService{errs: map[string]error{"stop": boom}},
			wantCode: 0, wantCalls: []string{"stop", "uninstall"}, wantOut: "uninstalled",
		},
		{
			name: "uninstall not installed", args: []string{"uninstall"},
			svc:      fakeService{errs: map[string]error{"uninstall": service.ErrNotInstalled}},
			wantCode: 1, wantCalls: []string{"stop", "uninstall"}, wantErr: "uninstalling service: the service is not installed",
		},
		{name: "start", args: []string{"start"}, wantCode: 0, wantCalls: []string{"start"}},
		{
			name: "start fails", args: []string{"start"}, svc: fakeService{errs: map[string]error{"start": boom}},
			wantCode: 1, wantCalls: []string{"start"}, wantErr: "starting service: boom",
		},
		{name: "stop", args: []string{"stop"}, wantCode: 0, wantCalls: []string{"stop"}},
		{name: "stop as non-root", args: []string{"stop"}, euid: 1000, wantCode: 1, wantErr: "stopping service: must be run as root"},
		{name: "restart", args: []string{"restart"}, wantCode: 0, wantCalls: []string{"restart"}},
		{
			name: "status running as non-root", args: []string{"status"}, euid: 1000,
			svc:      fakeService{status: service.StatusRunning},
			wantCode: 0, wantCalls: []string{"status"}, wantOut: "running\n",
		},
		{
			name: "status stopped", args: []string{"status"}, svc: fakeService{status: service.StatusStopped},
			wantCode: 3, wantCalls: []string{"status"}, wantOut: "stopped\n",
		},
		{
			name: "status not installed", args: []string{"status"}, svc: fakeService{statusErr: service.ErrNotInstalled},
			wantCode: 4, wantCalls: []string{"status"}, wantOut: "not installed\n",
		},
		{
			name: "status failed", args: []string{"status"}, svc: fakeService{statusErr: errors.New("service in failed state")},
			wantCode: 1, wantCalls: []string{"status"}, wantErr: "querying service status: service in failed state",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := tt.svc
			var gotCfg *service.Config
			packaged := filepath.Join(t.TempDir(), "wachan.service")
			if tt.packaged {
				if err := os.WriteFile(packaged, []byte(packaging.SystemdUnit), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c := &serviceCmd{
				euid:       func() int { return tt.euid },
				executable: func() (string, error) { return "/opt/wachan/wachan", nil },
				lookupUser: func(name string) error {
					if tt.noUser {
						return errors.New("unknown user " + name)
					}
					return nil
				},
				newService: func(i service.Interface, cfg *service.Config) (service.Service, error) {
					gotCfg = cfg
					return &svc, nil
				},
				packagedUnit: []string{filepath.Join(t.TempDir(), "absent.service"), packaged},
			}
			var stdout, stderr bytes.Buffer
			code := c.run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !reflect.DeepEqual(svc.calls, tt.wantCalls) {
				t.Errorf("calls %q, want %q", svc.calls, tt.wantCalls)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q, want it to contain %q", stdout.String(), tt.wantOut)
			}
			if tt.wantErr == "" && stderr.Len() > 0 {
				t.Errorf("unexpected stderr %q", stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.wantErr)
			}
			if tt.wantConfig != "" {
				if gotCfg == nil {
					t.Fatal("no service was built")
				}
				if want := []string{"serve", "--config", tt.wantConfig}; !reflect.DeepEqual(gotCfg.Arguments, want) {
					t.Errorf("Arguments %q, want %q", gotCfg.Arguments, want)
				}
				if gotCfg.UserName != tt.wantUser {
					t.Errorf("UserName %q, want %q", gotCfg.UserName, tt.wantUser)
				}
			}
		})
	}
}

// TestRunServiceUsage runs the real entry point with arguments that fail
// before any service manager is touched.
func TestRunServiceUsage(t *testing.T) {
	tests := []struct {
		args    []string
		code    int
		wantOut string
		wantErr string
	}{
		{args: []string{"reboot"}, code: 2, wantErr: `wachan service: unknown action "reboot"`},
		{args: []string{}, code: 2, wantErr: "missing action"},
		{args: []string{"-h"}, code: 0, wantOut: "Actions:"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := runService(tt.args, &stdout, &stderr); code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if tt.wantOut != "" && !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.wantOut)
			}
			if tt.wantErr != "" && !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantErr)
			}
		})
	}
}
