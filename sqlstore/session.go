package sqlstore

import (
	"context"
	"time"

	"guangong"
	"guangong/secret"
)

// CreateSession starts a session for an account that passed Login (and, unless
// mfaPending, CheckTOTP). Login already audited the event.
func (db *DB) CreateSession(ctx context.Context, userID, ip string, mfaPending bool) (*guangong.Session, error) {
	s := &guangong.Session{ID: secret.NewSessionID(), UserID: userID, CSRFToken: secret.NewCSRFToken(),
		MFAPending: mfaPending, IP: ip}
	err := db.inTx(ctx, func(tx *Tx) error {
		// A session starts right after Login (and CheckTOTP): its authentication is fresh.
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.AuthAt = tx.now, tx.now, tx.now.Add(guangong.SessionAbsolute), tx.now
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf_token, mfa_pending, ip,
			created_at, last_seen_at, expires_at, ended_at, auth_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, NULL, $6)`,
			secret.HashToken(s.ID), userID, s.CSRFToken, mfaPending, ip, fmtTime(tx.now), fmtTime(s.ExpiresAt))
		return err
	})
	if err != nil {
		return nil, mapError(err)
	}
	return s, nil
}

// touchEvery limits how often activity is written back (sessions, tokens).
const touchEvery = time.Minute

const sessionUserSQL = `SELECT s.user_id, s.csrf_token, s.mfa_pending, s.ip, s.created_at, s.last_seen_at,
	s.expires_at, s.ended_at, COALESCE(s.auth_at, s.created_at), ` + userCols + userFrom + ` JOIN sessions s ON s.user_id = u.id WHERE s.id_hash = $1`

// prefixScanner scans leading columns into before, the rest into what the caller gives.
type prefixScanner struct {
	s      scanner
	before []any
}

func (p prefixScanner) Scan(dest ...any) error { return p.s.Scan(append(p.before, dest...)...) }

// SessionUser resolves a raw session id, enforcing idle and absolute expiry.
func (db *DB) SessionUser(ctx context.Context, rawID string) (*guangong.Session, *guangong.User, error) {
	if rawID == "" {
		return nil, nil, sessionExpired()
	}
	hash := secret.HashToken(rawID)
	s := &guangong.Session{ID: rawID}
	var endedAt *time.Time
	// One statement for session, account and committee: this runs on every request.
	u, err := scanUser(prefixScanner{db.reader.QueryRowContext(ctx, sessionUserSQL, hash), []any{&s.UserID, &s.CSRFToken, &s.MFAPending,
		&s.IP, timeCol{&s.CreatedAt}, timeCol{&s.LastSeenAt}, timeCol{&s.ExpiresAt}, nullTimeCol{&endedAt}, timeCol{&s.AuthAt}}})
	if noRows(err) {
		return nil, nil, sessionExpired()
	} else if err != nil {
		return nil, nil, mapError(err)
	}
	now := db.now()
	if endedAt != nil || !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= guangong.SessionIdle {
		return nil, nil, sessionExpired()
	}
	if u.Disabled || (u.LockedUntil != nil && now.Before(*u.LockedUntil)) {
		return nil, nil, sessionExpired()
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if _, err := db.writer.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2`,
			fmtTime(now), hash); err != nil {
			return nil, nil, mapError(err)
		}
		s.LastSeenAt = now
	}
	return s, u, nil
}

// EndSession ends one of the actor's sessions (logout). Ending an unknown or already
// ended session is not an error.
func (db *DB) EndSession(ctx context.Context, a *guangong.Actor, rawID string) error {
	return db.write(ctx, a, func(tx *Tx) error {
		args := args{fmtTime(tx.now), secret.HashToken(rawID)}
		conds := []string{"id_hash = $2", "ended_at IS NULL"}
		if !a.System {
			conds = append(conds, "user_id = "+args.add(a.UserID))
		}
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $1`+where(conds), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionLogout, objectType: objUser, objectID: a.UserID, orgID: a.OrgID})
	})
}

// Reauthenticate checks the actor's password again in session rawID and, when it is right,
// records the time as the session's last authentication. The check is counted as a login
// attempt (a wrong password counts towards the lockout) and audited.
func (db *DB) Reauthenticate(ctx context.Context, a *guangong.Actor, rawID, password string) error {
	if a == nil || a.System || a.UserID == "" {
		return noActor()
	}
	u, err := self(ctx, db.reader, a)
	if err != nil {
		return mapError(err)
	}
	// Login does the counting, the lockout and the audit, exactly as at the login page.
	if _, err := db.Login(ctx, u.Username, password, a.IP); err != nil {
		return err
	}
	return db.write(ctx, a, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET auth_at = $1 WHERE id_hash = $2 AND user_id = $3
			AND ended_at IS NULL`, fmtTime(tx.now), secret.HashToken(rawID), u.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return sessionExpired()
		}
		return tx.audit(a, entry{action: guangong.ActionLogin, objectType: objUser, objectID: u.ID, orgID: u.OrgID,
			detail: "session re-authenticated"})
	})
}
