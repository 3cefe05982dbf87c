package daemon

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/wachan/wachan/config"
	"github.com/wachan/wachan/store"
)

// NewDemo is New for `wachan demo`: every page of the panel and console
// says it is a demo.
func NewDemo(cfg *config.Config, log *slog.Logger, out io.Writer) (*Daemon, error) {
	return newDaemon(cfg, log, out, true)
}

// AddAgent creates (or replaces) the web console login of extension ext.
// Call it before Run.
func (d *Daemon) AddAgent(ext, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hashing the password of %s: %w", ext, err)
	}
	now := time.Now().UTC()
	u := &store.User{Name: ext, Role: store.RoleAgent, Extension: ext, PasswordHash: string(hash), CreatedAt: now, UpdatedAt: now}
	if err := d.store.Update(func(tx *store.Tx) error { return tx.PutUser(u) }); err != nil {
		return fmt.Errorf("adding agent %s: %w", ext, err)
	}
	return nil
}
