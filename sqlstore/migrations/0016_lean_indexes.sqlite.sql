-- Smaller on disk (issue 15), decided by the plans in docs/benchmarks.md:
-- * event_orgs and tallies are only ever looked up by their keys, so they are kept as their
--   primary-key b-tree alone (WITHOUT ROWID), not as a table plus an index of every row;
-- * event_orgs_org (org_id, event_id) is served by the prefix of event_orgs_org_day, which
--   also carries event_id (as the key of a WITHOUT ROWID table, every index entry does);
-- * events_org_type (org_id, type, starts_on) has no query left since lists and figures read
--   event_orgs.
CREATE TABLE event_orgs_lean (
    event_id  TEXT NOT NULL REFERENCES events (id),
    org_id    TEXT NOT NULL REFERENCES orgs (id),
    starts_on TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    PRIMARY KEY (event_id, org_id)
) WITHOUT ROWID;
INSERT INTO event_orgs_lean (event_id, org_id, starts_on, starts_at)
    SELECT event_id, org_id, starts_on, starts_at FROM event_orgs;
DROP TABLE event_orgs;
ALTER TABLE event_orgs_lean RENAME TO event_orgs;
CREATE INDEX event_orgs_org_day ON event_orgs (org_id, starts_on, starts_at, event_id);

CREATE TABLE tallies_lean (
    org_id TEXT NOT NULL,
    ym     INTEGER NOT NULL, -- year * 100 + month
    metric TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (org_id, ym, metric)
) WITHOUT ROWID;
INSERT INTO tallies_lean (org_id, ym, metric, n) SELECT org_id, ym, metric, n FROM tallies;
DROP TABLE tallies;
ALTER TABLE tallies_lean RENAME TO tallies;

DROP INDEX events_org_type;
