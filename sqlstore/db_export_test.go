package sqlstore

import "context"

// MigrateUntil applies the migrations before version only, as an older build left the
// database, so a test can fill it and then migrate the rest. Before migration 0012 the
// store appends audit entries by the SHA-256 rule of those builds, until Migrate.
func (db *DB) MigrateUntil(ctx context.Context, version string) error {
	db.legacyAudit = version <= "0012"
	return db.migrate(ctx, version)
}
