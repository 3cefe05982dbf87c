//go:build linux || darwin

package media

import (
	"fmt"
	"syscall"
)

// freeSpace returns the bytes available to unprivileged users on the file
// system holding dir.
func freeSpace(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("reading free disk space: %w", err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
