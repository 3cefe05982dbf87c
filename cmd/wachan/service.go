package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kardianos/service"

	"github.com/wachan/wachan/packaging"
)

const serviceUsage = `usage: wachan service ACTION [--config PATH] [--user USER]

Controls wachan as a system service through the host's service manager.

Actions:
  install    install and enable the service (runs "wachan serve --config PATH"
             from this executable as USER); does not start it
  uninstall  stop, disable and remove the service
  start      start the service
  stop       stop the service
  restart    restart the service
  status     print running, stopped or not installed (exit 0, 3 or 4)

Flags (install):
  --config PATH  configuration file the service reads (default %s)
  --user USER    account the service runs as; it must exist (default %s)

Under systemd the unit installed is the one the Debian package ships, with
this executable's path, the --config path and the --user filled in. A host
with the wachan package already has the unit: use systemctl there instead.
`

const serviceShortUsage = "usage: wachan service install|uninstall|start|stop|restart|status " +
	"[--config PATH] [--user USER] (--help for details)"

// Exit codes of "wachan service status", after the LSB init-script codes.
const (
	statusExitRunning      = 0
	statusExitStopped      = 3
	statusExitNotInstalled = 4
)

// runService runs "wachan service" with args, the arguments after "service".
// It writes results to stdout and errors to stderr and returns the process
// exit code: 0 on success, 2 on a usage error, 1 on failure (status has its
// own codes, see serviceUsage).
func runService(args []string, stdout, stderr io.Writer) int {
	c := &serviceCmd{
		euid:       os.Geteuid,
		executable: os.Executable,
		lookupUser: func(name string) error {
			_, err := user.Lookup(name)
			return err
		},
		newService:   service.New,
		packagedUnit: []string{"/lib/systemd/system/" + packaging.UnitName, "/usr/lib/systemd/system/" + packaging.UnitName},
	}
	return c.run(args, stdout, stderr)
}

// serviceCmd carries the host facilities "wachan service" uses, so they can
// be replaced in tests.
type serviceCmd struct {
	euid         func() int
	executable   func() (string, error)
	lookupUser   func(name string) error
	newService   func(service.Interface, *service.Config) (service.Service, error)
	packagedUnit []string // unit files that mean the Debian package is installed
}

// serviceArgs are the parsed arguments of "wachan service".
type serviceArgs struct {
	action string
	config string
	user   string
}

// errHelp reports that usage was asked for.
var errHelp = errors.New("help requested")

// parseServiceArgs parses "ACTION [flags]"; flags may also come first.
func parseServiceArgs(args []string) (serviceArgs, error) {
	a := serviceArgs{config: packaging.DefaultConfigPath, user: packaging.DefaultUser}
	fs := flag.NewFlagSet("wachan service", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.config, "config", a.config, "")
	fs.StringVar(&a.user, "user", a.user, "")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		a.action, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return a, errHelp
		}
		return a, err
	}
	rest := fs.Args()
	if a.action == "" && len(rest) > 0 {
		a.action, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 {
		return a, fmt.Errorf("unexpected argument %q", rest[0])
	}
	switch a.action {
	case "":
		return a, errors.New("missing action")
	case "help":
		return a, errHelp
	case "install", "uninstall", "start", "stop", "restart", "status":
	default:
		return a, fmt.Errorf("unknown action %q", a.action)
	}
	if !validUserName(a.user) {
		return a, fmt.Errorf("invalid --user %q: want a login name of letters, digits, '_', '-' or '.'", a.user)
	}
	if a.config == "" {
		return a, errors.New("--config must not be empty")
	}
	return a, nil
}

// validUserName reports whether name is a plausible account name: 1 to 32
// characters from [A-Za-z0-9_.-], not starting with '-' or '.'.
func validUserName(name string) bool {
	if name == "" || len(name) > 32 || name[0] == '-' || name[0] == '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '-' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// run is runService with the host facilities in c.
func (c *serviceCmd) run(args []string, stdout, stderr io.Writer) int {
	a, err := parseServiceArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(stdout, serviceUsage, packaging.DefaultConfigPath, packaging.DefaultUser)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "wachan service: %v\n%s\n", err, serviceShortUsage)
		return 2
	}
	code, err := c.do(a, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "wachan service: %v\n", err)
		return 1
	}
	return code
}

// do carries out one parsed action.
func (c *serviceCmd) do(a serviceArgs, stdout io.Writer) (int, error) {
	verb := map[string]string{
		"install": "installing", "uninstall": "uninstalling", "start": "starting",
		"stop": "stopping", "restart": "restarting", "status": "querying",
	}[a.action]
	if a.action != "status" && runtime.GOOS != "windows" && c.euid() != 0 {
		return 1, fmt.Errorf("%s service: must be run as root", verb)
	}
	exe, err := c.executable()
	if err != nil {
		return 1, fmt.Errorf("%s service: finding this executable: %w", verb, err)
	}
	configPath, err := filepath.Abs(a.config)
	if err != nil {
		return 1, fmt.Errorf("%s service: resolving --config: %w", verb, err)
	}
	cfg, err := serviceConfig(exe, configPath, a.user)
	if err != nil {
		return 1, fmt.Errorf("%s service: %w", verb, err)
	}
	svc, err := c.newService(program{}, cfg)
	if err != nil {
		return 1, fmt.Errorf("%s service: %w", verb, err)
	}

	switch a.action {
	case "install":
		if err := c.install(svc, a.user); err != nil {
			return 1, fmt.Errorf("installing service: %w", err)
		}
		fmt.Fprintf(stdout, "installed %s service running %s as %s; start it with: wachan service start\n",
			svc.Platform(), exe, a.user)
	case "uninstall":
		// Stopping a service that is not running is not an error; a
		// service that is not installed is reported by Uninstall.
		_ = svc.Stop()
		if err := svc.Uninstall(); err != nil {
			return 1, fmt.Errorf("uninstalling service: %w", err)
		}
		fmt.Fprintln(stdout, "uninstalled")
	case "start":
		if err := svc.Start(); err != nil {
			return 1, fmt.Errorf("starting service: %w", err)
		}
	case "stop":
		if err := svc.Stop(); err != nil {
			return 1, fmt.Errorf("stopping service: %w", err)
		}
	case "restart":
		if err := svc.Restart(); err != nil {
			return 1, fmt.Errorf("restarting service: %w", err)
		}
	case "status":
		return status(svc, stdout)
	}
	return 0, nil
}

// install installs svc after checking that the service account exists and
// that the Debian package has not already installed the unit.
func (c *serviceCmd) install(svc service.Service, userName string) error {
	if err := c.lookupUser(userName); err != nil {
		return fmt.Errorf("user %q does not exist (create it with "+
			"\"useradd --system --home-dir /var/lib/wachan --shell /usr/sbin/nologin %s\" or pass --user): %w",
			userName, userName, err)
	}
	if svc.Platform() == "linux-systemd" {
		for _, p := range c.packagedUnit {
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s already exists (installed by the wachan package); use \"systemctl enable --now wachan\" instead", p)
			}
		}
	}
	return svc.Install()
}

// status prints the state of svc and returns its exit code.
func status(svc service.Service, stdout io.Writer) (int, error) {
	st, err := svc.Status()
	switch {
	case errors.Is(err, service.ErrNotInstalled):
		fmt.Fprintln(stdout, "not installed")
		return statusExitNotInstalled, nil
	case err != nil:
		return 1, fmt.Errorf("querying service status: %w", err)
	case st == service.StatusRunning:
		fmt.Fprintln(stdout, "running")
		return statusExitRunning, nil
	case st == service.StatusStopped:
		fmt.Fprintln(stdout, "stopped")
		return statusExitStopped, nil
	}
	return 1, errors.New("querying service status: state unknown")
}

// serviceConfig describes the wachan service for the service library. exe and
// configPath must be absolute and userName a valid account name. Under
// systemd the library installs packaging.Unit through its SystemdScript
// option; the library treats that option as a template, so the unit must not
// contain template delimiters (packaging.Unit escapes them in paths). Other
// service managers get the same command line, user and settings through the
// library's own templates.
func serviceConfig(exe, configPath, userName string) (*service.Config, error) {
	unit := packaging.Unit(exe, configPath, userName)
	if strings.Contains(unit, "{{") {
		return nil, fmt.Errorf("unit for %s has template delimiters", exe)
	}
	return &service.Config{
		Name:        "wachan",
		DisplayName: "wachan",
		Description: "wachan WhatsApp channel for Asterisk",
		UserName:    userName,
		Executable:  exe,
		Arguments:   []string{"serve", "--config", configPath},
		Option: service.KeyValue{
			"SystemdScript": unit,
			"Restart":       "on-failure",
			"ReloadSignal":  "HUP",
			"LimitNOFILE":   65536,
		},
	}, nil
}

// program satisfies service.Interface. The installed service runs
// "wachan serve" directly, never through the library's Run, so Start and
// Stop have nothing to do.
type program struct{}

// Start does nothing; see program.
func (program) Start(service.Service) error { return nil }

// Stop does nothing; see program.
func (program) Stop(service.Service) error { return nil }
