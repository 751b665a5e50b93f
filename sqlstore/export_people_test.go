package sqlstore

import (
	"context"

	"guangong"
)

// BulkVolunteers inserts volunteers (no ID numbers or phones) with their name grams in one
// transaction, straight into the tables: for benchmarks that need a million people, where
// going through ImportVolunteers would add a million audit entries and measure the wrong thing.
func (db *DB) BulkVolunteers(ctx context.Context, vs []*guangong.Volunteer) error {
	return db.bulkVolunteers(ctx, vs)
}

// SetSmallScope changes the subtree size up to which name searches are driven from the subtree.
func SetSmallScope(n int) func() {
	old := smallScope
	smallScope = n
	return func() { smallScope = old }
}
