-- People: 五老 volunteers with their memberships, posts and bodies, and youths. Same
-- conventions as 0001. ID numbers and phones are stored AES-256-GCM sealed (the *_enc
-- columns, "v1:" + base64) and never plain; equality on ID numbers goes through id_hash, an
-- HMAC of the normalised number under a key the database never holds. merged_into is ''
-- for a live record and the surviving record's id once merged.

ALTER TABLE users ADD COLUMN minor_access BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE volunteers (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id),
    name          TEXT NOT NULL,
    gender        TEXT NOT NULL,
    birth_date    TEXT NOT NULL,
    phone_enc     TEXT NOT NULL,
    id_enc        TEXT NOT NULL,
    id_hash       TEXT NOT NULL,
    category      TEXT NOT NULL,
    former_unit   TEXT NOT NULL,
    former_post   TEXT NOT NULL,
    party_member  BOOLEAN NOT NULL,
    party_branch  TEXT NOT NULL,
    skills        TEXT NOT NULL,
    skills_other  TEXT NOT NULL,
    health        TEXT NOT NULL,
    availability  TEXT NOT NULL,
    status        TEXT NOT NULL,
    joined_date   TEXT NOT NULL,
    consent_date  TEXT NOT NULL,
    consent_note  TEXT NOT NULL,
    notes         TEXT NOT NULL,
    merged_into   TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX volunteers_org_name ON volunteers (org_id, name, birth_date, id);
CREATE INDEX volunteers_name ON volunteers (name, id);
CREATE INDEX volunteers_id_hash ON volunteers (id_hash);
CREATE INDEX volunteers_category ON volunteers (category, name, id);
CREATE INDEX volunteers_status ON volunteers (status, name, id);
CREATE INDEX volunteers_party ON volunteers (party_member, name, id);
CREATE INDEX volunteers_birth ON volunteers (birth_date);

-- A volunteer's service on a committee other than (or besides) the one keeping the record.
CREATE TABLE memberships (
    id           TEXT PRIMARY KEY,
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    from_date    TEXT NOT NULL,
    to_date      TEXT NOT NULL,
    note         TEXT NOT NULL
);
CREATE INDEX memberships_volunteer ON memberships (volunteer_id, from_date);
CREATE INDEX memberships_org ON memberships (org_id, to_date);

-- Seats on a committee's leadership (班子); ended posts stay as history (to_date set).
CREATE TABLE posts (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    title        TEXT NOT NULL,
    from_date    TEXT NOT NULL,
    to_date      TEXT NOT NULL
);
CREATE INDEX posts_org ON posts (org_id, to_date);
CREATE INDEX posts_volunteer ON posts (volunteer_id, org_id);

CREATE TABLE bodies (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    founded    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX bodies_org ON bodies (org_id, kind, name);

CREATE TABLE body_members (
    id           TEXT PRIMARY KEY,
    body_id      TEXT NOT NULL REFERENCES bodies (id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    role         TEXT NOT NULL,
    from_date    TEXT NOT NULL,
    to_date      TEXT NOT NULL
);
CREATE INDEX body_members_body ON body_members (body_id, to_date);
CREATE INDEX body_members_volunteer ON body_members (volunteer_id);

CREATE TABLE youths (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES orgs (id),
    name               TEXT NOT NULL,
    gender             TEXT NOT NULL,
    birth_date         TEXT NOT NULL,
    id_enc             TEXT NOT NULL,
    id_hash            TEXT NOT NULL,
    school             TEXT NOT NULL,
    grade              TEXT NOT NULL,
    guardian_name      TEXT NOT NULL,
    guardian_relation  TEXT NOT NULL,
    guardian_phone_enc TEXT NOT NULL,
    parents_work       TEXT NOT NULL,
    categories         TEXT NOT NULL,
    needs              TEXT NOT NULL,
    notes              TEXT NOT NULL,
    consent_by         TEXT NOT NULL,
    consent_relation   TEXT NOT NULL,
    consent_date       TEXT NOT NULL,
    consent_purpose    TEXT NOT NULL,
    merged_into        TEXT NOT NULL,
    version            INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX youths_org_name ON youths (org_id, name, birth_date, id);
CREATE INDEX youths_name ON youths (name, id);
CREATE INDEX youths_id_hash ON youths (id_hash);
CREATE INDEX youths_birth ON youths (birth_date);

-- A youth's categories, one row each, so the category filter is an index probe.
CREATE TABLE youth_categories (
    youth_id TEXT NOT NULL REFERENCES youths (id),
    category TEXT NOT NULL,
    PRIMARY KEY (youth_id, category)
);
CREATE INDEX youth_categories_category ON youth_categories (category, youth_id);

-- Every character and every pair of adjacent characters of each person's name (kind 'v'
-- volunteer, 'y' youth), with the name itself, so a name search walks one gram's index
-- range already in (name, id) order and stops at the page's end.
CREATE TABLE person_name_grams (
    kind      TEXT NOT NULL,
    gram      TEXT NOT NULL,
    name      TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (kind, gram, name, person_id)
);
CREATE INDEX person_name_grams_person ON person_name_grams (person_id);

-- Import jobs; the uploaded file is kept as base64 text (no BLOB/BYTEA split) until done.
CREATE TABLE imports (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    filename   TEXT NOT NULL,
    status     TEXT NOT NULL,
    total      INTEGER NOT NULL,
    done       INTEGER NOT NULL,
    valid      INTEGER NOT NULL,
    invalid    INTEGER NOT NULL,
    imported   INTEGER NOT NULL,
    problems   TEXT NOT NULL,
    error      TEXT NOT NULL,
    file       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX imports_user ON imports (user_id, created_at);
CREATE INDEX imports_org ON imports (org_id, created_at);
