-- One schema for SQLite and PostgreSQL (and PostgreSQL-compatible distributed engines):
-- ids are made by the application, times are UTC TEXT in a fixed sortable format, dates
-- are TEXT YYYY-MM-DD, JSON is TEXT; no sequences, no triggers, no engine-specific types.

CREATE TABLE orgs (
    id           TEXT PRIMARY KEY,
    parent_id    TEXT REFERENCES orgs (id),
    name         TEXT NOT NULL,
    short_name   TEXT NOT NULL DEFAULT '',
    level        TEXT NOT NULL,
    code         TEXT NOT NULL,
    address      TEXT NOT NULL DEFAULT '',
    contact      TEXT NOT NULL DEFAULT '',
    established  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    dissolved_at TEXT,
    depth        INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX orgs_code_key ON orgs (code);
CREATE INDEX orgs_parent_name ON orgs (parent_id, name, id);
CREATE INDEX orgs_name ON orgs (name, id);
CREATE INDEX orgs_level ON orgs (level, name, id);

-- Every ancestor-descendant pair, itself included at depth 0: a subtree is one index range.
CREATE TABLE org_closure (
    ancestor_id   TEXT NOT NULL REFERENCES orgs (id),
    descendant_id TEXT NOT NULL REFERENCES orgs (id),
    depth         INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX org_closure_descendant ON org_closure (descendant_id, depth);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    username             TEXT NOT NULL,
    display_name         TEXT NOT NULL,
    org_id               TEXT NOT NULL REFERENCES orgs (id),
    role                 TEXT NOT NULL,
    disabled             BOOLEAN NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    password_hash        TEXT NOT NULL,
    failed_logins        INTEGER NOT NULL,
    locked_until         TEXT,
    totp_secret          TEXT NOT NULL DEFAULT '',
    large_text           BOOLEAN NOT NULL,
    lang                 TEXT NOT NULL,
    last_login_at        TEXT,
    version              INTEGER NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_org ON users (org_id, username);
CREATE INDEX users_display_name ON users (display_name);

-- Sessions are keyed by the sha256 of the raw id: the table holds no usable cookie.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    mfa_pending  BOOLEAN NOT NULL,
    ip           TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ended_at     TEXT
);
CREATE INDEX sessions_user ON sessions (user_id, ended_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

-- The audit trail: append-only, hash-chained. seq comes from audit_head, whose single row
-- is updated by every append (a row lock that serialises appenders).
CREATE TABLE audit_log (
    seq         BIGINT NOT NULL PRIMARY KEY,
    id          TEXT NOT NULL,
    at          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    ip          TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    result      TEXT NOT NULL,
    changes     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_log_id_key ON audit_log (id);
CREATE INDEX audit_log_org ON audit_log (org_id, seq);
CREATE INDEX audit_log_username ON audit_log (username, seq);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
