-- Ending a membership, a post or a troupe membership is a versioned write like every
-- other: two clerks ending the same record from the same read cannot both succeed.
ALTER TABLE memberships ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE posts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE troupe_members ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
