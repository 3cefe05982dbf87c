package api

import (
	"bufio"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wachan/wachan/store"
)

// BackupHandler streams a consistent copy of the database (GET
// /api/v1/backup), taken in one read transaction while the daemon keeps
// working. Mount it behind the admin token; st must not be nil. The body is
// a bbolt file; a copy cut short is caught by store.Inspect on the client.
func BackupHandler(st *store.Store) fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := fmt.Sprintf("wachan-%s.db", time.Now().UTC().Format("20060102T150405Z"))
		c.Set(fiber.HeaderContentType, "application/octet-stream")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			// Headers are gone by now: an error can only cut the body
			// short, which the client detects.
			if err := st.Backup(w); err == nil {
				w.Flush()
			}
		})
		return nil
	}
}
