package sqlstore

import (
	"context"
	"strings"
	"sync"
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
var dummyHash = sync.OnceValue(func() string {
	h, _ := secret.HashPassword("no such account")
	return h
})

// Login checks a password. Failures are counted; the MaxFailedLogins-th in a row locks the
// account for LockoutDuration. Every outcome is audited; success is audited here, not in
// CreateSession.
func (db *DB) Login(ctx context.Context, username, password, ip string) (*guangong.User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var id string
	err := db.reader.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, username).Scan(&id)
	if noRows(err) {
		secret.CheckPassword(dummyHash(), password)
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
	// A hash made with weaker parameters than today's is replaced while the password is at hand.
	newHash := ""
	if ok && secret.NeedsRehash(hash) {
		if newHash, err = secret.HashPassword(password); err != nil {
			return nil, guangong.Internal(err)
		}
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
		if newHash != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3`,
				newHash, id, hash); err != nil {
				return err
			}
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

// Bootstrap creates the root committee (if none) and the first system administrator
// with a one-time password, when the database has no account at all.
func (db *DB) Bootstrap(ctx context.Context, rootName string) (string, string, error) {
	// Every start asks; only the first needs a password. Hashing one costs argon2's 19 MiB
	// and tens of milliseconds, which a server that already has accounts should not spend.
	var n int
	if err := db.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return "", "", mapError(err)
	} else if n > 0 {
		return "", "", nil
	}
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
