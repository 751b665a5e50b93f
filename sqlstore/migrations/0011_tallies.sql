-- Each committee's subtree figures (sqlstore/tally.go): derived from the records, kept by
-- every write in its own transaction, recounted from the records once here (a Go step that
-- runs after this file: migrationSteps in db.go).
CREATE TABLE tallies (
    org_id TEXT NOT NULL,
    ym     INTEGER NOT NULL, -- year * 100 + month
    metric TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (org_id, ym, metric)
);
-- The distinct volunteers on duty in a committee's subtree, by year and kind of post: a
-- row for each, n its places.
CREATE TABLE duty_tallies (
    org_id       TEXT NOT NULL,
    year         INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    volunteer_id TEXT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (org_id, year, kind, volunteer_id)
);
-- The plan items naming an event: looked up on every write of an event (their done state
-- hangs on it). Most items name none.
CREATE INDEX plan_items_event ON plan_items (event_id) WHERE event_id <> '';
-- The subtree figures no longer read every event of a county, so the covering index that
-- served it (0008) only cost each event write; a committee's own figures read event_orgs.
DROP INDEX events_org_progress;
