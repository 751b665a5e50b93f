-- Authentication (issue 13, finding 3).
--
-- Failed logins are counted per username in one table, for existing and unknown usernames
-- alike, so that an unknown name is locked exactly like a known one and a lockout says
-- nothing about which accounts exist. An attempt is counted before its password is checked
-- (a conditional UPDATE), so parallel guesses cannot check more than MaxFailedLogins
-- passwords. The counts move here from users.failed_logins and users.locked_until, which
-- are no longer read or written.
CREATE TABLE login_attempts (
    username     TEXT PRIMARY KEY,
    failed       INTEGER NOT NULL,
    locked_until TEXT,
    updated_at   TEXT NOT NULL
);
CREATE INDEX login_attempts_updated ON login_attempts (updated_at);
INSERT INTO login_attempts (username, failed, locked_until, updated_at)
    SELECT username, failed_logins, locked_until, updated_at FROM users
    WHERE failed_logins > 0 OR locked_until IS NOT NULL;

-- RFC 6238 §5.2: a code is accepted once. totp_last_step is the last time step (Unix time
-- / 30) whose code was accepted; a code for that step or an earlier one is refused.
-- totp_pending is the secret the enrolment page issued; enrolment accepts only that one.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';

-- When the session last checked the password or the second factor: minting an API token
-- needs a recent one.
ALTER TABLE sessions ADD COLUMN auth_at TEXT;
UPDATE sessions SET auth_at = created_at;

-- An API token may expire.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
