package setup

import (
	"fmt"
	"io"
	"strings"
)

// Status is a check's verdict.
type Status int

// Verdicts, from best to worst.
const (
	OK Status = iota
	Warn
	Fail
)

// String is the verdict as printed: ok, WARN or FAIL.
func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "WARN"
	}
	return "FAIL"
}

// Result is the outcome of one check.
type Result struct {
	Name   string // what was checked, e.g. "ari credentials"
	Status Status
	Detail string // what was found
	Fix    string // what to do; empty when Status is OK
}

// String formats r as one line, plus an indented fix line when there is one.
func (r Result) String() string {
	s := fmt.Sprintf("%-4s %s: %s", r.Status, r.Name, r.Detail)
	if r.Fix != "" {
		s += "\n     fix: " + strings.ReplaceAll(r.Fix, "\n", "\n          ")
	}
	return s
}

// Print writes each result on its own line(s) and returns the worst status.
func Print(w io.Writer, results []Result) Status {
	worst := OK
	for _, r := range results {
		fmt.Fprintln(w, r)
		worst = max(worst, r.Status)
	}
	return worst
}

func ok(name, detail string) Result { return Result{Name: name, Status: OK, Detail: detail} }

func warn(name, detail, fix string) Result {
	return Result{Name: name, Status: Warn, Detail: detail, Fix: fix}
}

func fail(name, detail, fix string) Result {
	return Result{Name: name, Status: Fail, Detail: detail, Fix: fix}
}
