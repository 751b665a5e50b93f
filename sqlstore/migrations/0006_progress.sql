-- A plan item is done when an event carries it out; the event may name the item
-- (events.plan_item_id), so the progress page finds it by that column.
CREATE INDEX events_plan_item ON events (plan_item_id);
