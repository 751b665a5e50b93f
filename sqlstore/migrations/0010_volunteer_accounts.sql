-- One account per volunteer record, held by the database too: two administrators linking
-- the same volunteer at once cannot both succeed.
CREATE UNIQUE INDEX users_volunteer_key ON users (volunteer_id) WHERE volunteer_id <> '';
