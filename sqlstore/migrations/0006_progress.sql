-- A plan item is done when an event carries it out; the event may name the item
-- (events.plan_item_id), so the progress page looks events up by that column. Partial:
-- most events name no item, and an index full of '' would look useless to the planner.
CREATE INDEX events_plan_item ON events (plan_item_id) WHERE plan_item_id <> '';

-- The progress figures of a subtree look each event up by id for the columns they count:
-- with those columns in the index, the lookup reads the index alone.
CREATE INDEX events_progress ON events (id, starts_on, status, type, large, kind, category, subcategory, scale, youths_served);
