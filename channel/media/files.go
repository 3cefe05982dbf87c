package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Files keeps media content on disk under one directory, each file named
// by its SHA-256 (<dir>/<first two hex digits>/<hex>). New content is
// written to a temporary file first and renamed into place, so a file
// under its final name is always complete.
type Files struct {
	dir string
}

// NewFiles returns the file store rooted at dir, creating it if needed.
func NewFiles(dir string) (*Files, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("creating media directory: %w", err)
	}
	return &Files{dir: dir}, nil
}

// Dir returns the root directory.
func (f *Files) Dir() string { return f.dir }

// validSum reports whether sum is a lowercase hex SHA-256, the only kind of
// name the store ever builds a path from.
func validSum(sum string) bool {
	if len(sum) != 2*sha256.Size {
		return false
	}
	for _, c := range sum {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// path returns where the content sum lives; sum must be valid.
func (f *Files) path(sum string) string {
	return filepath.Join(f.dir, sum[:2], sum)
}

// Temp is content being written: it hashes what passes through.
type Temp struct {
	file *os.File
	hash hash.Hash
	n    int64
}

// Create starts a temporary file.
func (f *Files) Create() (*Temp, error) {
	file, err := os.CreateTemp(filepath.Join(f.dir, "tmp"), "in-*")
	if err != nil {
		return nil, fmt.Errorf("creating temporary media file: %w", err)
	}
	return &Temp{file: file, hash: sha256.New()}, nil
}

// Write writes p to the file and the hash.
func (t *Temp) Write(p []byte) (int, error) {
	n, err := t.file.Write(p)
	t.hash.Write(p[:n])
	t.n += int64(n)
	return n, err
}

// Size is the number of bytes written.
func (t *Temp) Size() int64 { return t.n }

// Sum returns the SHA-256 of what was written.
func (t *Temp) Sum() [sha256.Size]byte {
	var s [sha256.Size]byte
	copy(s[:], t.hash.Sum(nil))
	return s
}

// Reset empties the file for a new attempt.
func (t *Temp) Reset() error {
	if err := t.file.Truncate(0); err != nil {
		return fmt.Errorf("truncating temporary media file: %w", err)
	}
	if _, err := t.file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewinding temporary media file: %w", err)
	}
	t.hash.Reset()
	t.n = 0
	return nil
}

// Reader returns a reader over the content written so far, from the start.
func (t *Temp) Reader() io.Reader { return io.NewSectionReader(t.file, 0, t.n) }

// Head returns up to n bytes from the start of the content.
func (t *Temp) Head(n int) []byte {
	b := make([]byte, min(int64(n), t.n))
	m, _ := t.file.ReadAt(b, 0)
	return b[:m]
}

// Discard closes and removes the temporary file.
func (t *Temp) Discard() {
	name := t.file.Name()
	t.file.Close()
	os.Remove(name)
}

// Commit syncs the temporary file and renames it to its content name,
// returning the hex SHA-256. If the content is already stored the
// temporary file is removed instead. t must not be used afterwards.
func (f *Files) Commit(t *Temp) (string, error) {
	sum := t.Sum()
	hexSum := hex.EncodeToString(sum[:])
	if err := t.file.Sync(); err != nil {
		t.Discard()
		return "", fmt.Errorf("syncing media file: %w", err)
	}
	if err := t.file.Close(); err != nil {
		os.Remove(t.file.Name())
		return "", fmt.Errorf("closing media file: %w", err)
	}
	dst := f.path(hexSum)
	if st, err := os.Stat(dst); err == nil && st.Size() == t.n {
		os.Remove(t.file.Name())
		return hexSum, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		os.Remove(t.file.Name())
		return "", fmt.Errorf("creating media directory: %w", err)
	}
	if err := os.Rename(t.file.Name(), dst); err != nil {
		os.Remove(t.file.Name())
		return "", fmt.Errorf("storing media file: %w", err)
	}
	return hexSum, nil
}

// Open opens the content sum for reading.
func (f *Files) Open(sum string) (*os.File, error) {
	if !validSum(sum) {
		return nil, fmt.Errorf("opening media file: %w", fs.ErrNotExist)
	}
	file, err := os.Open(f.path(sum))
	if err != nil {
		return nil, fmt.Errorf("opening media file: %w", err)
	}
	return file, nil
}

// Remove deletes the content sum; a missing file is not an error.
func (f *Files) Remove(sum string) error {
	if !validSum(sum) {
		return nil
	}
	if err := os.Remove(f.path(sum)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing media file: %w", err)
	}
	return nil
}

// Walk calls fn for each stored content and each temporary file (sum ""),
// with its path and modification time.
func (f *Files) Walk(fn func(sum, path string, mod time.Time)) error {
	return filepath.WalkDir(f.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		name := d.Name()
		switch {
		case filepath.Dir(path) == filepath.Join(f.dir, "tmp"):
			fn("", path, info.ModTime())
		case validSum(name) && strings.HasPrefix(name, filepath.Base(filepath.Dir(path))):
			fn(name, path, info.ModTime())
		}
		return nil
	})
}
