-- The indexes no query needs any more (see 0016_lean_indexes.sqlite.sql and the plans in
-- docs/benchmarks.md): event_orgs_org is served by the prefix of event_orgs_org_day, and
-- events_org_type lost its last query when lists and figures moved to event_orgs.
DROP INDEX event_orgs_org;
DROP INDEX events_org_type;
