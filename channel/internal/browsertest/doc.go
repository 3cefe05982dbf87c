// Package browsertest starts the headless Chromium that wachan's browser
// tests drive and records what their pages report as errors. Only tests
// use it: without Chromium a browser test is skipped with one line saying
// so, or fails when WACHAN_BROWSER_TESTS=required (as CI sets it).
package browsertest
