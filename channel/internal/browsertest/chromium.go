package browsertest

import (
	"os"
	"os/exec"
	"testing"
)

// Env set to "required" makes the browser tests fail, rather than skip,
// when Chromium is missing or does not start; CI sets it after installing
// Chromium.
const Env = "WACHAN_BROWSER_TESTS"

// Chromium returns the path of the Chromium the browser tests drive
// (Debian and Ubuntu: apt-get install chromium). Without one the test is
// skipped with one line saying so, or fails when browser tests are
// required.
func Chromium(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		Unavailable(t, "Chromium not found (apt-get install chromium): %v", err)
	}
	return path
}

// Unavailable ends a browser test that cannot run: it fails when browser
// tests are required, and is skipped loudly otherwise.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(Env) == "required" {
		t.Fatalf("browser test required ("+Env+"=required): "+format, args...)
	}
	t.Skipf("SKIPPED browser test: "+format+"; "+Env+"=required makes this a failure", args...)
}
