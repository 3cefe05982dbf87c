package store

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// User roles.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// User is a web panel login: an administrator, or an agent signing in to
// the web console with an extension. Agents are stored under their
// extension.
type User struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// Extension is an agent's extension (equal to Name).
	Extension string `json:"extension,omitempty"`
	// PasswordHash is the bcrypt hash of the password.
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// User returns the user called name.
func (t *Tx) User(name string) (*User, error) {
	var u User
	if err := t.getJSON(bucketUsers, []byte(name), &u); err != nil {
		return nil, fmt.Errorf("reading user %q: %w", name, err)
	}
	return &u, nil
}

// Users returns every user ordered by name.
func (t *Tx) Users() ([]*User, error) {
	var out []*User
	err := each(t, bucketUsers, nil, func(_ []byte, u *User) bool {
		out = append(out, u)
		return true
	})
	return out, err
}

// PutUser creates or replaces u.
func (t *Tx) PutUser(u *User) error {
	return t.putJSON(bucketUsers, []byte(u.Name), u)
}

// DeleteUser removes the user called name and every web session of it.
func (t *Tx) DeleteUser(name string) error {
	b := t.bucket(bucketUsers)
	if b.Get([]byte(name)) == nil {
		return fmt.Errorf("deleting user %q: %w", name, ErrNotFound)
	}
	if err := b.Delete([]byte(name)); err != nil {
		return fmt.Errorf("deleting user %q: %w", name, err)
	}
	var stale [][]byte
	err := each(t, bucketWebSessions, nil, func(k []byte, s *WebSession) bool {
		if s.User == name {
			stale = append(stale, append([]byte(nil), k...))
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range stale {
		if err := t.bucket(bucketWebSessions).Delete(k); err != nil {
			return fmt.Errorf("deleting web session: %w", err)
		}
	}
	return nil
}

// WebSession is a signed-in browser. It is stored under the SHA-256 of its
// cookie, never under the cookie itself.
type WebSession struct {
	// User is the user's name; empty for the admin token.
	User      string `json:"user,omitempty"`
	Role      string `json:"role"`
	Extension string `json:"extension,omitempty"`
	// CSRF is the token every form of this session must post back.
	CSRF string `json:"csrf"`
	// Credential identifies the credential signed in with (a digest of
	// its stored hash): the session ends when that credential changes.
	Credential string    `json:"credential,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func webSessionKey(cookie string) []byte {
	sum := sha256.Sum256([]byte(cookie))
	return sum[:]
}

// PutWebSession stores s under the hash of cookie.
func (t *Tx) PutWebSession(cookie string, s *WebSession) error {
	return t.putJSON(bucketWebSessions, webSessionKey(cookie), s)
}

// WebSession returns the session of cookie, or ErrNotFound when it is
// unknown or expired at now.
func (t *Tx) WebSession(cookie string, now time.Time) (*WebSession, error) {
	var s WebSession
	if err := t.getJSON(bucketWebSessions, webSessionKey(cookie), &s); err != nil {
		return nil, fmt.Errorf("reading web session: %w", err)
	}
	if !now.Before(s.ExpiresAt) {
		return nil, fmt.Errorf("reading web session: expired: %w", ErrNotFound)
	}
	return &s, nil
}

// DeleteWebSession removes the session of cookie, if any.
func (t *Tx) DeleteWebSession(cookie string) error {
	if err := t.bucket(bucketWebSessions).Delete(webSessionKey(cookie)); err != nil {
		return fmt.Errorf("deleting web session: %w", err)
	}
	return nil
}

// PruneWebSessions deletes the sessions expired at now and returns how
// many it deleted.
func (t *Tx) PruneWebSessions(now time.Time) (int, error) {
	var stale [][]byte
	err := each(t, bucketWebSessions, nil, func(k []byte, s *WebSession) bool {
		if !now.Before(s.ExpiresAt) {
			stale = append(stale, append([]byte(nil), k...))
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	for _, k := range stale {
		if err := t.bucket(bucketWebSessions).Delete(k); err != nil {
			return 0, fmt.Errorf("deleting web session: %w", err)
		}
	}
	return len(stale), nil
}
