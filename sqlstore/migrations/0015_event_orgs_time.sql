-- Each organiser's row also carries its event's start time, so a subtree's page of events,
-- newest first, is read from this index alone (every committee's range of the period, the
-- newest few kept) and only that page's events are looked up, not every event of the
-- subtree twice (once to count and once to sort). The index's prefix serves what the
-- date-only one it replaces did.
ALTER TABLE event_orgs ADD COLUMN starts_at TEXT NOT NULL DEFAULT '';
UPDATE event_orgs SET starts_at = (SELECT e.starts_at FROM events e WHERE e.id = event_orgs.event_id);
DROP INDEX event_orgs_org_day;
CREATE INDEX event_orgs_org_day ON event_orgs (org_id, starts_on, starts_at, event_id);
