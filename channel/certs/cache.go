package certs

import (
	"context"
	"errors"
	"sync"

	"golang.org/x/crypto/acme/autocert"
)

// errClosed is what writes to a closed cache return.
var errClosed = errors.New("certs: manager closed")

// closingCache is the ACME cache of a Manager. After close it refuses
// writes, and close waits for those under way, so that nothing changes the
// cache directory once its owner has stopped, even while an issuance goes
// on in the background.
type closingCache struct {
	autocert.Cache
	mu     sync.RWMutex // held for reading by each write
	closed bool
}

func (c *closingCache) Put(ctx context.Context, key string, data []byte) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return errClosed
	}
	return c.Cache.Put(ctx, key, data)
}

func (c *closingCache) Delete(ctx context.Context, key string) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return errClosed
	}
	return c.Cache.Delete(ctx, key)
}

func (c *closingCache) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}
