package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// wachanBin is the daemon binary built for the tests.
var wachanBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "wachan-load-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// WACHAN_TEST_BIN runs the tests against a daemon built elsewhere.
	if bin := os.Getenv("WACHAN_TEST_BIN"); bin != "" {
		wachanBin = bin
		return m.Run()
	}
	wachanBin = filepath.Join(dir, "wachan")
	cmd := exec.Command("go", "build", "-o", wachanBin, "github.com/wachan/wachan/cmd/wachan")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building wachan: %v\n", err)
		return 1
	}
	return m.Run()
}
