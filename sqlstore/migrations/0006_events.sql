-- Each organiser's row carries its event's Shanghai date, so a committee subtree's month
-- (a calendar, co-organised events included) is one index range per committee instead of
-- every event the subtree ever organised.
ALTER TABLE event_orgs ADD COLUMN starts_on TEXT NOT NULL DEFAULT '';
CREATE INDEX event_orgs_org_day ON event_orgs (org_id, starts_on, event_id);
