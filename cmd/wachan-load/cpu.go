package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on
// every Linux architecture wachan runs on).
const clockTick = 10 * time.Millisecond

// cpuOf returns the CPU time (user and system) process pid used so far.
func cpuOf(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("reading process stat: %w", err)
	}
	return parseStatCPU(b)
}

// parseStatCPU reads utime and stime (fields 14 and 15) of a /proc stat
// line; the command name in parentheses may hold spaces.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("parsing process stat %q", stat)
	}
	f := bytes.Fields(stat[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("parsing process stat %q", stat)
	}
	var total time.Duration
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parsing process stat: %w", err)
		}
		total += time.Duration(n) * clockTick
	}
	return total, nil
}

// cpuMeter measures the daemon's CPU time from its creation.
type cpuMeter struct {
	r     *rig
	start time.Duration
	ok    bool
}

func newCPUMeter(r *rig) *cpuMeter {
	m := &cpuMeter{r: r}
	if r.proc != nil && r.proc.pid() != 0 {
		if t, err := cpuOf(r.proc.pid()); err == nil {
			m.start, m.ok = t, true
		}
	}
	return m
}

// used returns the CPU time used since newCPUMeter, and whether it could
// be measured.
func (m *cpuMeter) used() (time.Duration, bool) {
	if !m.ok || m.r.proc.pid() == 0 {
		return 0, false
	}
	t, err := cpuOf(m.r.proc.pid())
	if err != nil {
		return 0, false
	}
	return t - m.start, true
}
