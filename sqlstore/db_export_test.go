package sqlstore

import "context"

// MigrateUntil applies the migrations before version only, as an older build left the
// database, so a test can fill it and then migrate the rest.
func (db *DB) MigrateUntil(ctx context.Context, version string) error {
	return db.migrate(ctx, version)
}
