-- The audit trail becomes a keyed chain (sqlstore/audit.go): each entry's hash is an
-- HMAC-SHA256 under a key derived from the data key, which never enters the database, and
-- the head row carries its own MAC over (seq, hash, keyed_from), so neither a recomputed
-- chain nor a moved head can be made without the key. Entries before keyed_from keep the
-- old SHA-256 rule: 1 when the whole trail is keyed. The Go step that runs after this file
-- (migrationSteps in db.go) re-keys an existing trail that verifies, and records that it did.
ALTER TABLE audit_head ADD COLUMN mac TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
