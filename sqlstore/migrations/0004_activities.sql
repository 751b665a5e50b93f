-- Meetings, activities, volunteer service hours, duty rosters, art troupes, yearly plans and
-- targets: the records behind 引领力 and 影响力. Same conventions as 0001: application ids,
-- UTC instants as fixed-width TEXT, Shanghai calendar dates as TEXT YYYY-MM-DD, '' for
-- "none" in optional references. Every figure a report shows is counted from these rows;
-- no table holds a total.

-- Meetings and activities share one table: a calendar shows both, and the yearly counts
-- filter by type. starts_on is the Shanghai date of starts_at, so months and years are
-- index ranges in the people's own calendar. large is decided on save by the rule the level
-- above sets (large_rules) or, for a performance, by its scale.
CREATE TABLE events (
    id            TEXT PRIMARY KEY,
    type          TEXT NOT NULL,     -- meeting | activity
    org_id        TEXT NOT NULL REFERENCES orgs (id), -- the host committee; scope
    kind          TEXT NOT NULL,     -- meeting kind; '' for an activity
    category      TEXT NOT NULL,     -- activity category; '' for a meeting
    subcategory   TEXT NOT NULL,
    title         TEXT NOT NULL,
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    place         TEXT NOT NULL,
    host          TEXT NOT NULL,     -- who chaired or led it
    agenda        TEXT NOT NULL,
    minutes       TEXT NOT NULL,
    decisions     TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    status        TEXT NOT NULL,     -- planned | held | recorded
    scale         TEXT NOT NULL,     -- performances: large | small; else ''
    large         BOOLEAN NOT NULL,
    troupe_id     TEXT NOT NULL,     -- '' or troupes.id (a performance's troupe)
    youths_served INTEGER NOT NULL,  -- a count; event_youths may name some of them
    others_count  INTEGER NOT NULL,  -- participants not in the registry
    audience      INTEGER NOT NULL,  -- performances
    headcount     INTEGER NOT NULL,  -- volunteers + youths served + others, as saved
    plan_item_id  TEXT NOT NULL,     -- '' or the plan item this event carries out
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX events_org_day ON events (org_id, starts_on, starts_at);
CREATE INDEX events_org_type ON events (org_id, type, starts_on);

-- Every organising committee of an event, the host included: co-organised activities appear
-- in each organiser's calendar and counts.
CREATE TABLE event_orgs (
    event_id TEXT NOT NULL REFERENCES events (id),
    org_id   TEXT NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (event_id, org_id)
);
CREATE INDEX event_orgs_org ON event_orgs (org_id, event_id);

-- Volunteers from the registry who attended a meeting or took part in an activity.
CREATE TABLE event_volunteers (
    event_id     TEXT NOT NULL REFERENCES events (id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    role         TEXT NOT NULL,
    PRIMARY KEY (event_id, volunteer_id)
);
CREATE INDEX event_volunteers_volunteer ON event_volunteers (volunteer_id, event_id);

-- Youths served, where the organiser links them to the registry.
CREATE TABLE event_youths (
    event_id TEXT NOT NULL REFERENCES events (id),
    youth_id TEXT NOT NULL REFERENCES youths (id),
    PRIMARY KEY (event_id, youth_id)
);
CREATE INDEX event_youths_youth ON event_youths (youth_id, event_id);

-- Photos and scanned sign-in sheets, base64 TEXT as import files are (no BLOB/BYTEA split).
CREATE TABLE attachments (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events (id),
    name       TEXT NOT NULL,
    mime       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX attachments_event ON attachments (event_id, created_at);

-- The rule a committee sets for the committees below it: a meeting or an activity with at
-- least this many people counts as large (大型).
CREATE TABLE large_rules (
    org_id       TEXT PRIMARY KEY REFERENCES orgs (id),
    meeting_min  INTEGER NOT NULL,
    activity_min INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Art troupes (文艺队) and their members: volunteers from the registry or others by name.
CREATE TABLE troupes (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    founded    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX troupes_org ON troupes (org_id, name);

CREATE TABLE troupe_members (
    id           TEXT PRIMARY KEY,
    troupe_id    TEXT NOT NULL REFERENCES troupes (id),
    volunteer_id TEXT NOT NULL,      -- '' for someone not in the registry
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    from_date    TEXT NOT NULL,
    to_date      TEXT NOT NULL
);
CREATE INDEX troupe_members_troupe ON troupe_members (troupe_id, to_date);
CREATE INDEX troupe_members_volunteer ON troupe_members (volunteer_id);

-- Standing duty posts (a street chief's street, the duty group, a school gate, exam-day
-- traffic). qr_token is the random part of the check-in address printed as a QR code.
CREATE TABLE duty_posts (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    place      TEXT NOT NULL,
    qr_token   TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX duty_posts_qr ON duty_posts (qr_token);
CREATE INDEX duty_posts_org ON duty_posts (org_id, kind, name);

-- A shift is role x time x headcount at a post.
CREATE TABLE shifts (
    id         TEXT PRIMARY KEY,
    post_id    TEXT NOT NULL REFERENCES duty_posts (id),
    role       TEXT NOT NULL,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    headcount  INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX shifts_post ON shifts (post_id, starts_at);

-- Who fills a shift (signed up or assigned) and when they checked in and out. A missed
-- check-out closed by the organiser keeps closed_by and review set for the review list.
CREATE TABLE shift_volunteers (
    id           TEXT PRIMARY KEY,
    shift_id     TEXT NOT NULL REFERENCES shifts (id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    source       TEXT NOT NULL,      -- signup | assigned
    check_in_at  TEXT NOT NULL,      -- '' until checked in
    check_out_at TEXT NOT NULL,
    closed_by    TEXT NOT NULL,
    review       BOOLEAN NOT NULL,
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX shift_volunteers_key ON shift_volunteers (shift_id, volunteer_id);
CREATE INDEX shift_volunteers_volunteer ON shift_volunteers (volunteer_id, shift_id);

-- Volunteer service hours (民政部《志愿服务记录与证明出具办法》): one volunteer's service in
-- one activity or shift, in minutes actually served (travel excluded). A correction never
-- edits a row: it adds one that supersedes it (status superseded, superseded_by set), so
-- every figure ever confirmed can be traced.
CREATE TABLE service_hours (
    id            TEXT PRIMARY KEY,
    volunteer_id  TEXT NOT NULL REFERENCES volunteers (id),
    org_id        TEXT NOT NULL REFERENCES orgs (id), -- the organiser who confirms it
    event_id      TEXT NOT NULL,     -- '' or events.id
    shift_id      TEXT NOT NULL,     -- '' or shifts.id
    served_on     TEXT NOT NULL,
    minutes       INTEGER NOT NULL,
    place         TEXT NOT NULL,
    content       TEXT NOT NULL,
    status        TEXT NOT NULL,     -- recorded | confirmed | superseded | void
    recorded_by   TEXT NOT NULL,     -- account id
    recorder_name TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    confirmed_by  TEXT NOT NULL,
    confirmed_at  TEXT NOT NULL,
    supersedes    TEXT NOT NULL,     -- '' or the row this one corrects
    superseded_by TEXT NOT NULL,
    reason        TEXT NOT NULL,     -- why a correction or a void was made
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX service_hours_volunteer ON service_hours (volunteer_id, served_on, status);
CREATE INDEX service_hours_org ON service_hours (org_id, status, served_on);
CREATE INDEX service_hours_event ON service_hours (event_id);
CREATE INDEX service_hours_shift ON service_hours (shift_id);

-- Certificates issued from confirmed hours; the serial is unique and the totals are those
-- computed when it was issued.
CREATE TABLE certificates (
    id           TEXT PRIMARY KEY,
    serial       TEXT NOT NULL,
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    from_date    TEXT NOT NULL,
    to_date      TEXT NOT NULL,
    minutes      INTEGER NOT NULL,
    content      TEXT NOT NULL,
    issued_by    TEXT NOT NULL,
    issued_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX certificates_serial ON certificates (serial);
CREATE INDEX certificates_volunteer ON certificates (volunteer_id, issued_at);

-- A committee's plan for the year: meetings and activities by month. event_id links the
-- item to the event that carried it out; an item past its month without one is overdue.
CREATE TABLE plan_items (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id),
    year        INTEGER NOT NULL,
    month       INTEGER NOT NULL,
    type        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    category    TEXT NOT NULL,
    subcategory TEXT NOT NULL,
    title       TEXT NOT NULL,
    large       BOOLEAN NOT NULL,
    event_id    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX plan_items_org ON plan_items (org_id, year, month);

-- Targets the level above sets: per committee per year (targets), and defaults a committee
-- sets for every committee below it (target_defaults). A metric names a count the progress
-- page computes from events.
CREATE TABLE targets (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    year       INTEGER NOT NULL,
    metric     TEXT NOT NULL,
    min_count  INTEGER NOT NULL,
    set_by     TEXT NOT NULL REFERENCES orgs (id),
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX targets_key ON targets (org_id, year, metric);

CREATE TABLE target_defaults (
    set_by     TEXT NOT NULL REFERENCES orgs (id),
    metric     TEXT NOT NULL,
    min_count  INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (set_by, metric)
);

-- A volunteer's own account (role volunteer): signs up for shifts, checks in and out, reads
-- their own hours.
ALTER TABLE users ADD COLUMN volunteer_id TEXT NOT NULL DEFAULT '';
