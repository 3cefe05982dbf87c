package daemon

import (
	"os"
	"os/exec"
	"testing"
)

// browserTestsEnv set to "required" makes the browser tests fail, rather
// than skip, when Chromium is missing or does not start; CI sets it after
// installing Chromium.
const browserTestsEnv = "WACHAN_BROWSER_TESTS"

// chromium returns the path of the Chromium the browser tests drive (Debian
// and Ubuntu: apt-get install chromium). Without one the test is skipped
// with one line saying so, or fails when browser tests are required.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		browserUnavailable(t, "Chromium not found (apt-get install chromium): %v", err)
	}
	return path
}

// browserUnavailable ends a browser test that cannot run: it fails when
// browser tests are required, and is skipped loudly otherwise.
func browserUnavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv(browserTestsEnv) == "required" {
		t.Fatalf("browser test required ("+browserTestsEnv+"=required): "+format, args...)
	}
	t.Skipf("SKIPPED browser test: "+format+"; "+browserTestsEnv+"=required makes this a failure", args...)
}
