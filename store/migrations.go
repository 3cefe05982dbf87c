package store

import (
	"fmt"
	"log/slog"

	bolt "go.etcd.io/bbolt"
)

var keySchemaVersion = []byte("schema_version")

// migration moves the schema from version-1 to version.
type migration struct {
	version int
	name    string
	apply   func(tx *bolt.Tx) error
}

// migrations are applied in order; append, never edit or reorder.
var migrations = []migration{
	{1, "create buckets", createBuckets(
		bucketMeta, bucketChannels, bucketCustomers, bucketSessions, bucketMessages,
		bucketWAMIDs, bucketJournal, bucketOutbox, bucketTemplates, bucketCounters,
	)},
	{2, "add events bucket for account and template updates", createBuckets(bucketEvents)},
	{3, "add routing buckets: queues, addresses, deliveries and session indexes", createBuckets(
		bucketQueues, bucketAddresses, bucketDeliveries, bucketOpenSessions, bucketMessageIndex, bucketSticky,
	)},
	{4, "add buckets for media, integrations, campaigns, opt-outs and web sign-in", createBuckets(
		bucketMedia, bucketMediaFiles, bucketMediaJobs, bucketAPIKeys, bucketIdempotency, bucketHookOut,
		bucketCampaigns, bucketRecipients, bucketOptOuts, bucketUsers, bucketWebSessions,
	)},
	{5, "add Meta apps (one callback URL per app) and kept unrouted webhook updates", addApps},
	{6, "add button actions bucket", createBuckets(bucketButtonActions)},
	{7, "add canned replies bucket", createBuckets(bucketCannedReplies)},
	{8, "add chat menus bucket", createBuckets(bucketMenus)},
	{9, "add quarter-hour counters, so statistics can follow a time zone", addCounterSlots},
}

// SchemaVersion is the version this build writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

func createBuckets(names ...[]byte) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("creating bucket %s: %w", n, err)
			}
		}
		return nil
	}
}

func readVersion(tx *bolt.Tx) int {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return 0
	}
	return int(btoi(b.Get(keySchemaVersion)))
}

// migrate applies every migration newer than the file's schema version,
// together with the new version, in one transaction.
func (s *Store) migrate(list []migration) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		cur := readVersion(tx)
		latest := list[len(list)-1].version
		if cur > latest {
			return fmt.Errorf("checking schema: store has version %d, this build knows up to %d (downgrade not supported)", cur, latest)
		}
		for _, m := range list {
			if m.version <= cur {
				continue
			}
			if err := m.apply(tx); err != nil {
				return fmt.Errorf("migrating to schema %d (%s): %w", m.version, m.name, err)
			}
			s.log.Info("store migrated", slog.Int("version", m.version), slog.String("migration", m.name))
		}
		if cur == latest {
			return nil
		}
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return fmt.Errorf("creating meta bucket: %w", err)
		}
		if err := meta.Put(keySchemaVersion, itob(uint64(latest))); err != nil {
			return fmt.Errorf("writing schema version: %w", err)
		}
		return nil
	})
}
