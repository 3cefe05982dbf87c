package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// daemonProc runs the wachan binary as a child process and restarts it on
// demand. Its methods are safe for concurrent use.
type daemonProc struct {
	bin    string
	args   []string
	base   string    // http://listen
	logw   io.Writer // receives the child's output
	fsize  int64     // RLIMIT_FSIZE for the next start; 0 for none
	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	exit   error
	starts int
}

// newDaemonProc prepares "bin serve --config conf" answering at base.
func newDaemonProc(bin, conf, base string, logw io.Writer) *daemonProc {
	if logw == nil {
		logw = io.Discard
	}
	return &daemonProc{bin: bin, args: []string{"serve", "--config", conf}, base: base, logw: logw}
}

// setFileSizeLimit makes the next start run under RLIMIT_FSIZE = n bytes
// (through prlimit(1)); 0 removes the limit.
func (p *daemonProc) setFileSizeLimit(n int64) {
	p.mu.Lock()
	p.fsize = n
	p.mu.Unlock()
}

// start runs the daemon and waits until it answers /healthz.
func (p *daemonProc) start(ctx context.Context) error {
	p.mu.Lock()
	if p.cmd != nil {
		p.mu.Unlock()
		return errors.New("starting wachan: already running")
	}
	name, args := p.bin, p.args
	if p.fsize > 0 {
		prlimit, err := exec.LookPath("prlimit")
		if err != nil {
			p.mu.Unlock()
			return fmt.Errorf("starting wachan under a file size limit: %w", err)
		}
		name, args = prlimit, append([]string{"--fsize=" + strconv.FormatInt(p.fsize, 10), p.bin}, p.args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = p.logw, p.logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		return fmt.Errorf("starting wachan: %w", err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.exit = cmd, done, nil
	p.starts++
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.exit = err
		p.mu.Unlock()
		close(done)
	}()
	return p.waitHealthy(ctx, done)
}

// waitHealthy polls /healthz until it answers 200, the process exits or
// a minute passes (a busy machine starts it slowly).
func (p *daemonProc) waitHealthy(ctx context.Context, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	hc := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/healthz", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			p.mu.Lock()
			err := p.exit
			p.cmd = nil
			p.mu.Unlock()
			return fmt.Errorf("wachan exited before answering: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("waiting for wachan to answer: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *daemonProc) kill() error {
	return p.signal(syscall.SIGKILL, 5*time.Second)
}

// stop sends SIGTERM and waits up to timeout for a clean exit; it returns
// the exit error, if any.
func (p *daemonProc) stop(timeout time.Duration) error {
	return p.signal(syscall.SIGTERM, timeout)
}

func (p *daemonProc) signal(sig syscall.Signal, timeout time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signalling wachan: %w", err)
	}
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("wachan did not exit within %v of %v", timeout, sig)
	}
	p.mu.Lock()
	err := p.exit
	p.cmd = nil
	p.mu.Unlock()
	if sig == syscall.SIGKILL {
		return nil
	}
	if err != nil {
		return fmt.Errorf("wachan exited: %w", err)
	}
	return nil
}

// running reports whether the child is alive.
func (p *daemonProc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// pid returns the child's process id, or 0.
func (p *daemonProc) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// rssOf returns the resident set size of pid in bytes, from the VmRSS
// line of /proc/<pid>/status.
func rssOf(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("reading process status: %w", err)
	}
	return parseVmRSS(b)
}

// parseVmRSS finds "VmRSS:   1234 kB" in a /proc status file.
func parseVmRSS(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		line := sc.Bytes()
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return 0, fmt.Errorf("parsing %q", line)
		}
		kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parsing %q: %w", line, err)
		}
		return kb * 1024, nil
	}
	return 0, errors.New("no VmRSS line (a zombie or kernel thread?)")
}
