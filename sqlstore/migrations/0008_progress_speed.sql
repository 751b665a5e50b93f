-- A subtree's progress figures read the events its committees host as one index range per
-- committee with every counted column in the index, so no event row is read (the ids tell
-- them from events only co-organised in the subtree); the index on id that 0006_progress
-- added for looking each event up is no longer used.
CREATE INDEX events_org_progress ON events (org_id, starts_on, id, status, type, large, kind, category, subcategory, scale, youths_served);
DROP INDEX events_progress;

-- Confirmed minutes summed from the index alone; same leading columns as the index it
-- replaces, so every query that used that one can use this.
CREATE INDEX service_hours_org_minutes ON service_hours (org_id, status, served_on, minutes);
DROP INDEX service_hours_org;

-- The year's shifts of a post as one range (starts_on is the Shanghai date).
CREATE INDEX shifts_post_day ON shifts (post_id, starts_on, id);
