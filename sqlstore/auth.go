package sqlstore

import (
	"context"
	"strings"
	"time"

	"guangong"
	"guangong/secret"
)

func badCredentials() error {
	return guangong.Errorf(guangong.EUNAUTHORIZED, "用户名或密码错误", "Wrong username or password")
}

func lockedErr() error {
	return guangong.Errorf(guangong.ELOCKED, "登录失败次数过多，账号已锁定，请30分钟后再试",
		"Too many failed logins: the account is locked for 30 minutes")
}

func sessionExpired() error {
	return guangong.Errorf(guangong.EUNAUTHORIZED, "登录已过期，请重新登录", "Your session has expired; please log in again")
}

// dummyHash is checked against when the username is unknown, so that a bad username
// takes as long as a bad password.
var dummyHash, _ = secret.HashPassword("no such account")

// Login checks a password. Failures are counted; the MaxFailedLogins-th in a row locks the
// account for LockoutDuration. Every outcome is audited; success is audited here, not in
// CreateSession.
func (db *DB) Login(ctx context.Context, username, password, ip string) (*guangong.User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var id string
	err := db.reader.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, username).Scan(&id)
	if noRows(err) {
		secret.CheckPassword(dummyHash, password)
		if err := db.inTx(ctx, func(tx *Tx) error {
			return tx.audit(nil, entry{action: guangong.ActionLoginFailed, result: guangong.ResultFailed,
				objectType: objUser, username: username, ip: ip, detail: "unknown username"})
		}); err != nil {
			return nil, mapError(err)
		}
		return nil, badCredentials()
	} else if err != nil {
		return nil, mapError(err)
	}
	u, err := loadUser(ctx, db.reader, id)
	if err != nil {
		return nil, mapError(err)
	}
	hash, _, err := credentials(ctx, db.reader, id)
	if err != nil {
		return nil, mapError(err)
	}
	ok, err := secret.CheckPassword(hash, password)
	if err != nil {
		return nil, guangong.Internal(err)
	}
	var result error
	err = db.inTx(ctx, func(tx *Tx) error {
		var lockedUntil *time.Time
		if err := tx.QueryRowContext(ctx, `SELECT locked_until FROM users WHERE id = $1`, id).
			Scan(nullTimeCol{&lockedUntil}); err != nil {
			return err
		}
		fail := func(detail string) error {
			return tx.audit(nil, entry{action: guangong.ActionLoginFailed, result: guangong.ResultFailed,
				objectType: objUser, objectID: id, orgID: u.OrgID, userID: id, username: username, ip: ip, detail: detail})
		}
		switch {
		case lockedUntil != nil && tx.now.Before(*lockedUntil):
			result = lockedErr()
			return fail("account locked")
		case !ok:
			locked, err := tx.countFailure(ctx, u, ip)
			if err != nil {
				return err
			}
			result = badCredentials()
			if locked {
				result = lockedErr()
			}
			return fail("wrong password")
		case u.Disabled:
			result = guangong.Errorf(guangong.EUNAUTHORIZED, "账号已停用，请联系管理员", "This account is disabled; ask an administrator")
			return fail("account disabled")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1
			WHERE id = $2`, fmtTime(tx.now), id); err != nil {
			return err
		}
		now := tx.now
		u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, nil, &now
		return tx.audit(nil, entry{action: guangong.ActionLogin, objectType: objUser, objectID: id, orgID: u.OrgID,
			userID: id, username: username, ip: ip, detail: "password"})
	})
	if err != nil {
		return nil, mapError(err)
	}
	if result != nil {
		return nil, result
	}
	return u, nil
}

// countFailure adds a failed attempt and locks the account at the limit (resetting the
// count, so that after the lock it gets the full number of attempts again).
func (tx *Tx) countFailure(ctx context.Context, u *guangong.User, ip string) (locked bool, err error) {
	var n int
	if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1
		RETURNING failed_logins`, u.ID).Scan(&n); err != nil {
		return false, err
	}
	if n < guangong.MaxFailedLogins {
		return false, nil
	}
	until := tx.now.Add(guangong.LockoutDuration)
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2`,
		fmtTime(until), u.ID); err != nil {
		return false, err
	}
	return true, tx.audit(nil, entry{action: guangong.ActionLocked, result: guangong.ResultOK, objectType: objUser,
		objectID: u.ID, orgID: u.OrgID, userID: u.ID, username: u.Username, ip: ip,
		detail: "locked until " + fmtTime(until)})
}

// CheckTOTP checks a second-factor code. A wrong code counts as a failed login, so the
// six digits cannot be guessed faster than a password.
func (db *DB) CheckTOTP(ctx context.Context, userID, code, ip string) error {
	u, err := loadUser(ctx, db.reader, userID)
	if err != nil {
		return mapError(err)
	}
	_, totpSecret, err := credentials(ctx, db.reader, userID)
	if err != nil {
		return mapError(err)
	}
	var result error
	err = db.inTx(ctx, func(tx *Tx) error {
		var lockedUntil *time.Time
		if err := tx.QueryRowContext(ctx, `SELECT locked_until FROM users WHERE id = $1`, userID).
			Scan(nullTimeCol{&lockedUntil}); err != nil {
			return err
		}
		e := entry{action: guangong.ActionTOTP, result: guangong.ResultFailed, objectType: objUser, objectID: u.ID,
			orgID: u.OrgID, userID: u.ID, username: u.Username, ip: ip}
		switch {
		case lockedUntil != nil && tx.now.Before(*lockedUntil):
			result, e.detail = lockedErr(), "account locked"
		case totpSecret == "":
			result, e.detail = guangong.Errorf(guangong.EINVALID, "该账号未设置双因素认证", "This account has no second factor"), "not enrolled"
		case !secret.CheckTOTP(totpSecret, strings.TrimSpace(code), tx.now):
			locked, err := tx.countFailure(ctx, u, ip)
			if err != nil {
				return err
			}
			result, e.detail = guangong.Errorf(guangong.EUNAUTHORIZED, "验证码不正确", "Wrong code"), "wrong code"
			if locked {
				result = lockedErr()
			}
		default:
			e.result, e.detail = guangong.ResultOK, "second factor verified"
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0 WHERE id = $1`, userID); err != nil {
				return err
			}
		}
		return tx.audit(nil, e)
	})
	if err != nil {
		return mapError(err)
	}
	return result
}

// CreateSession starts a session for an account that passed Login (and, unless
// mfaPending, CheckTOTP). Login already audited the event.
func (db *DB) CreateSession(ctx context.Context, userID, ip string, mfaPending bool) (*guangong.Session, error) {
	s := &guangong.Session{ID: secret.NewSessionID(), UserID: userID, CSRFToken: secret.NewCSRFToken(),
		MFAPending: mfaPending, IP: ip}
	err := db.inTx(ctx, func(tx *Tx) error {
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = tx.now, tx.now, tx.now.Add(guangong.SessionAbsolute)
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf_token, mfa_pending, ip,
			created_at, last_seen_at, expires_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, NULL)`,
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

// SessionUser resolves a raw session id, enforcing idle and absolute expiry.
func (db *DB) SessionUser(ctx context.Context, rawID string) (*guangong.Session, *guangong.User, error) {
	if rawID == "" {
		return nil, nil, sessionExpired()
	}
	hash := secret.HashToken(rawID)
	s := &guangong.Session{ID: rawID}
	var endedAt *time.Time
	err := db.reader.QueryRowContext(ctx, `SELECT user_id, csrf_token, mfa_pending, ip, created_at, last_seen_at,
		expires_at, ended_at FROM sessions WHERE id_hash = $1`, hash).Scan(&s.UserID, &s.CSRFToken, &s.MFAPending,
		&s.IP, timeCol{&s.CreatedAt}, timeCol{&s.LastSeenAt}, timeCol{&s.ExpiresAt}, nullTimeCol{&endedAt})
	if noRows(err) {
		return nil, nil, sessionExpired()
	} else if err != nil {
		return nil, nil, mapError(err)
	}
	now := db.now()
	if endedAt != nil || !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= guangong.SessionIdle {
		return nil, nil, sessionExpired()
	}
	u, err := loadUser(ctx, db.reader, s.UserID)
	if err != nil {
		return nil, nil, mapError(err)
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
		return tx.audit(a, entry{action: guangong.ActionLogout, objectType: objSession, objectID: a.UserID, orgID: a.OrgID})
	})
}

func tokenInvalid() error {
	return guangong.Errorf(guangong.EUNAUTHORIZED, "API 令牌无效或已撤销", "The API token is invalid or revoked")
}

// TokenUser resolves a raw API token to its account.
func (db *DB) TokenUser(ctx context.Context, rawToken string) (*guangong.User, error) {
	var id, userID string
	var revokedAt, lastUsed *time.Time
	err := db.reader.QueryRowContext(ctx, `SELECT id, user_id, revoked_at, last_used_at FROM api_tokens
		WHERE token_hash = $1`, secret.HashToken(rawToken)).Scan(&id, &userID, nullTimeCol{&revokedAt}, nullTimeCol{&lastUsed})
	if noRows(err) {
		return nil, tokenInvalid()
	} else if err != nil {
		return nil, mapError(err)
	}
	if revokedAt != nil {
		return nil, tokenInvalid()
	}
	u, err := loadUser(ctx, db.reader, userID)
	if err != nil {
		return nil, mapError(err)
	}
	now := db.now()
	if u.Disabled || (u.LockedUntil != nil && now.Before(*u.LockedUntil)) {
		return nil, tokenInvalid()
	}
	if lastUsed == nil || now.Sub(*lastUsed) >= touchEvery {
		if _, err := db.writer.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`,
			fmtTime(now), id); err != nil {
			return nil, mapError(err)
		}
	}
	return u, nil
}

// tokenOwner checks that the actor may manage userID's tokens: its own, or, for an
// administrator, an account it can see.
func tokenOwner(ctx context.Context, q querier, a *guangong.Actor, userID, what string) (*guangong.User, error) {
	if userID != "" && userID == a.UserID {
		return loadUser(ctx, q, userID)
	}
	if !a.Can(guangong.Role.CanManageUsers) {
		return nil, &denial{err: guangong.Forbidden(), objectType: objToken, objectID: userID, detail: what}
	}
	return scopedUser(ctx, q, a, userID, what)
}

const tokenCols = `id, user_id, name, created_at, last_used_at, revoked_at`

func scanToken(s scanner) (*guangong.Token, error) {
	t := &guangong.Token{}
	err := s.Scan(&t.ID, &t.UserID, &t.Name, timeCol{&t.CreatedAt}, nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.RevokedAt})
	return t, err
}

// CreateToken makes an API token for userID; the raw value is returned once.
func (db *DB) CreateToken(ctx context.Context, a *guangong.Actor, userID, name string) (string, *guangong.Token, error) {
	name = strings.TrimSpace(name)
	var v guangong.Validation
	v.Text("name", "名称", "Name", name, true, 50)
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	raw := secret.NewToken()
	var t *guangong.Token
	err := db.write(ctx, a, func(tx *Tx) error {
		u, err := tokenOwner(ctx, tx, a, userID, "create token")
		if err != nil {
			return err
		}
		t = &guangong.Token{ID: guangong.NewID(), UserID: u.ID, Name: name, CreatedAt: tx.now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at,
			last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL, NULL)`,
			t.ID, u.ID, name, secret.HashToken(raw), fmtTime(tx.now)); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionTokenCreate, objectType: objToken, objectID: t.ID, orgID: u.OrgID,
			changes: []guangong.Change{{Field: "userId", After: u.ID}, {Field: "name", After: name}}})
	})
	if err != nil {
		return "", nil, err
	}
	return raw, t, nil
}

// FindTokens lists userID's tokens, newest first.
func (db *DB) FindTokens(ctx context.Context, a *guangong.Actor, userID string) ([]*guangong.Token, error) {
	var list []*guangong.Token
	err := db.read(ctx, a, func(q querier) error {
		if _, err := tokenOwner(ctx, q, a, userID, "list tokens"); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = $1
			ORDER BY created_at DESC, id DESC`, userID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			list = append(list, t)
		}
		return rows.Err()
	})
	return list, err
}

// RevokeToken revokes token id; revoking a revoked token changes nothing.
func (db *DB) RevokeToken(ctx context.Context, a *guangong.Actor, id string) error {
	return db.write(ctx, a, func(tx *Tx) error {
		t, err := scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = $1`, id))
		if noRows(err) {
			return guangong.NotFound(guangong.Msg{Zh: "API 令牌", En: "API token"})
		} else if err != nil {
			return err
		}
		u, err := tokenOwner(ctx, tx, a, t.UserID, "revoke token")
		if err != nil {
			if guangong.ErrorCode(err) == guangong.ENOTFOUND {
				return &denial{err: guangong.NotFound(guangong.Msg{Zh: "API 令牌", En: "API token"}),
					objectType: objToken, objectID: id, detail: "revoke token: outside scope"}
			}
			return err
		}
		if t.RevokedAt != nil {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, fmtTime(tx.now), id); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionTokenRevoke, objectType: objToken, objectID: id, orgID: u.OrgID})
	})
}

// Bootstrap creates the root committee (if none) and the first system administrator
// with a one-time password, when the database has no account at all.
func (db *DB) Bootstrap(ctx context.Context, rootName string) (string, string, error) {
	password := secret.NewPassword()
	hash, err := secret.HashPassword(password)
	if err != nil {
		return "", "", guangong.Internal(err)
	}
	a := guangong.SystemActor("bootstrap")
	created := false
	err = db.write(ctx, a, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n > 0 {
			return err
		}
		var rootID string
		err := tx.QueryRowContext(ctx, `SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY created_at, id LIMIT 1`).Scan(&rootID)
		if noRows(err) {
			root := &guangong.Org{Name: strings.TrimSpace(rootName), Level: guangong.LevelProvince, Code: "ROOT"}
			if err := root.Validate(tx.now); err != nil {
				return err
			}
			if err := tx.insertOrg(ctx, root, nil); err != nil {
				return err
			}
			if err := tx.audit(a, entry{action: guangong.ActionCreate, objectType: objOrg, objectID: root.ID,
				orgID: root.ID, changes: diff(nil, orgFields(root))}); err != nil {
				return err
			}
			rootID = root.ID
		} else if err != nil {
			return err
		}
		u := &guangong.User{Username: "admin", DisplayName: "系统管理员", OrgID: rootID, Role: guangong.RoleSysAdmin,
			MustChangePassword: true, Lang: "zh"}
		if err := tx.insertUser(ctx, u, hash); err != nil {
			return err
		}
		created = true
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objUser, objectID: u.ID, orgID: rootID,
			changes: diff(nil, userFields(u)), detail: "bootstrap"})
	})
	if err != nil || !created {
		return "", "", err
	}
	return "admin", password, nil
}
