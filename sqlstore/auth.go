package sqlstore

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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

// attemptMemory: a username's failures are forgotten after a day without any.
const attemptMemory = 24 * time.Hour

// attemptKey is the login_attempts key of a username: the normalised name, cut to a bounded
// length so that a made-up name cannot store arbitrary text.
func attemptKey(username string) string {
	if len(username) <= 100 {
		return username
	}
	cut := 100
	for cut > 0 && !utf8.RuneStart(username[cut]) {
		cut--
	}
	return username[:cut]
}

// reserveAttempt counts an attempt for a username before its password or code is checked.
// One conditional UPDATE adds it unless the name is locked or already has MaxFailedLogins
// attempts counted, failed or still being checked, so parallel attempts cannot check more
// than MaxFailedLogins passwords. Existing and unknown usernames are counted alike, so a
// lockout tells nothing about which accounts exist. n is the attempt's number in the
// current run of failures; ok false means locked.
func (db *DB) reserveAttempt(ctx context.Context, username string) (n int, ok bool, err error) {
	key := attemptKey(username)
	err = db.inTx(ctx, func(tx *Tx) error {
		now := fmtTime(tx.now)
		res, err := tx.ExecContext(ctx, `INSERT INTO login_attempts (username, failed, locked_until, updated_at)
			VALUES ($1, 0, NULL, $2) ON CONFLICT (username) DO NOTHING`, key, now)
		if err != nil {
			return err
		}
		if added, err := res.RowsAffected(); err != nil {
			return err
		} else if added > 0 {
			// A name not seen lately: forget the names idle for a day, so that made-up
			// names do not pile up.
			if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE updated_at < $1
				AND (locked_until IS NULL OR locked_until < $2)`, fmtTime(tx.now.Add(-attemptMemory)), now); err != nil {
				return err
			}
		}
		err = tx.QueryRowContext(ctx, `UPDATE login_attempts SET failed = failed + 1, updated_at = $2
			WHERE username = $1 AND failed < $3 AND (locked_until IS NULL OR locked_until <= $2)
			RETURNING failed`, key, now, guangong.MaxFailedLogins).Scan(&n)
		if noRows(err) {
			return nil
		}
		ok = err == nil
		return err
	})
	return n, ok, err
}

// attemptFailed settles a failed attempt numbered n (see reserveAttempt): the
// MaxFailedLogins-th locks the username for LockoutDuration, resetting the count so that
// after the lock it gets the full number of attempts again.
func (tx *Tx) attemptFailed(ctx context.Context, username string, n int, userID, orgID, ip string) (locked bool, err error) {
	if n < guangong.MaxFailedLogins {
		return false, nil
	}
	until := tx.now.Add(guangong.LockoutDuration)
	if _, err := tx.ExecContext(ctx, `UPDATE login_attempts SET failed = 0, locked_until = $1, updated_at = $2
		WHERE username = $3`, fmtTime(until), fmtTime(tx.now), attemptKey(username)); err != nil {
		return false, err
	}
	return true, tx.audit(nil, entry{action: guangong.ActionLocked, result: guangong.ResultOK, objectType: objUser,
		objectID: userID, orgID: orgID, userID: userID, username: username, ip: ip,
		detail: "locked until " + fmtTime(until)})
}

// attemptSucceeded forgets a username's failures once its password or code was right. The
// row stays (until a day idle), so the account's next login updates it rather than
// inserting it again and sweeping the idle names.
func (tx *Tx) attemptSucceeded(ctx context.Context, username string) error {
	_, err := tx.ExecContext(ctx, `UPDATE login_attempts SET failed = 0, locked_until = NULL, updated_at = $1
		WHERE username = $2`, fmtTime(tx.now), attemptKey(username))
	return err
}

// passwordRight settles an attempt whose password was right. For an account with a second
// factor that is only half a login: its failures stay counted (the attempt itself is given
// back), so that wrong codes add up across logins. Clearing them here would let whoever
// holds the password guess codes without end, logging in again before each lock.
func (tx *Tx) passwordRight(ctx context.Context, u *guangong.User) error {
	if !u.TOTPEnabled {
		return tx.attemptSucceeded(ctx, u.Username)
	}
	_, err := tx.ExecContext(ctx, `UPDATE login_attempts SET failed = failed - 1 WHERE username = $1 AND failed > 0`,
		attemptKey(u.Username))
	return err
}

// Login checks a password. Every attempt is counted before the password is checked (see
// reserveAttempt); the MaxFailedLogins-th failure in a row locks the username for
// LockoutDuration, whether or not an account has it, and a locked name answers ELOCKED
// without a password check. Every outcome is audited; success is audited here, not in
// CreateSession.
func (db *DB) Login(ctx context.Context, username, password, ip string) (*guangong.User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var id string
	err := db.reader.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, username).Scan(&id)
	if err != nil && !noRows(err) {
		return nil, mapError(err)
	}
	var u *guangong.User
	if id != "" {
		if u, err = loadUser(ctx, db.reader, id); err != nil {
			return nil, mapError(err)
		}
	}
	userID, orgID := "", ""
	if u != nil {
		userID, orgID = u.ID, u.OrgID
	}
	fail := func(tx *Tx, detail string) error {
		return tx.audit(nil, entry{action: guangong.ActionLoginFailed, result: guangong.ResultFailed,
			objectType: objUser, objectID: userID, orgID: orgID, userID: userID, username: username, ip: ip, detail: detail})
	}
	n, ok, err := db.reserveAttempt(ctx, username)
	if err != nil {
		return nil, mapError(err)
	}
	// A reserved attempt is settled even when the client goes away meanwhile (its request's
	// context ends): else it would stay counted, never failed nor cleared, and five
	// abandoned requests would hold the name locked until its row is forgotten, a day on.
	ctx = context.WithoutCancel(ctx)
	if !ok {
		if err := db.inTx(ctx, func(tx *Tx) error { return fail(tx, "account locked") }); err != nil {
			return nil, mapError(err)
		}
		return nil, lockedErr()
	}
	hash := dummyHash()
	if u != nil {
		if hash, _, err = credentials(ctx, db.reader, id); err != nil {
			return nil, mapError(err)
		}
	}
	good, err := secret.CheckPassword(hash, password)
	if err != nil {
		return nil, guangong.Internal(err)
	}
	good = good && u != nil
	// A hash made with weaker parameters than today's is replaced while the password is at hand.
	newHash := ""
	if good && secret.NeedsRehash(hash) {
		if newHash, err = secret.HashPassword(password); err != nil {
			return nil, guangong.Internal(err)
		}
	}
	var result error
	err = db.inTx(ctx, func(tx *Tx) error {
		if !good {
			locked, err := tx.attemptFailed(ctx, username, n, userID, orgID, ip)
			if err != nil {
				return err
			}
			result = badCredentials()
			if locked {
				result = lockedErr()
			}
			if u == nil {
				return fail(tx, "unknown username")
			}
			return fail(tx, "wrong password")
		}
		if err := tx.passwordRight(ctx, u); err != nil {
			return err
		}
		if u.Disabled {
			result = guangong.Errorf(guangong.EUNAUTHORIZED, "账号已停用，请联系管理员", "This account is disabled; ask an administrator")
			return fail(tx, "account disabled")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, fmtTime(tx.now), id); err != nil {
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

// CheckTOTP checks a second-factor code. A wrong code counts as a failed login, so the
// six digits cannot be guessed faster than a password. A code is accepted once (RFC 6238
// §5.2): the time step it belongs to must be later than the last one accepted.
func (db *DB) CheckTOTP(ctx context.Context, userID, code, ip string) error {
	u, err := loadUser(ctx, db.reader, userID)
	if err != nil {
		return mapError(err)
	}
	_, totpSecret, err := credentials(ctx, db.reader, userID)
	if err != nil {
		return mapError(err)
	}
	e := entry{action: guangong.ActionTOTP, result: guangong.ResultFailed, objectType: objUser, objectID: u.ID,
		orgID: u.OrgID, userID: u.ID, username: u.Username, ip: ip}
	if totpSecret == "" {
		e.detail = "not enrolled"
		if err := db.inTx(ctx, func(tx *Tx) error { return tx.audit(nil, e) }); err != nil {
			return mapError(err)
		}
		return guangong.Errorf(guangong.EINVALID, "该账号未设置双因素认证", "This account has no second factor")
	}
	n, ok, err := db.reserveAttempt(ctx, u.Username)
	if err != nil {
		return mapError(err)
	}
	ctx = context.WithoutCancel(ctx) // settled even if the client goes away (see Login)
	var result error
	err = db.inTx(ctx, func(tx *Tx) error {
		if !ok {
			result, e.detail = lockedErr(), "account locked"
			return tx.audit(nil, e)
		}
		step, match := secret.MatchTOTP(totpSecret, strings.TrimSpace(code), tx.now)
		fresh := false
		if match {
			// The conditional UPDATE makes the check and the record one step, so two
			// requests with the same code cannot both pass.
			res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`,
				step, userID)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			fresh = k == 1
		}
		if !fresh {
			locked, err := tx.attemptFailed(ctx, u.Username, n, u.ID, u.OrgID, ip)
			if err != nil {
				return err
			}
			result, e.detail = guangong.Errorf(guangong.EUNAUTHORIZED, "验证码不正确", "Wrong code"), "wrong code"
			if match {
				result, e.detail = guangong.Errorf(guangong.EUNAUTHORIZED, "验证码已使用过，请等待下一个验证码",
					"This code has been used already; wait for the next one"), "code already used"
			}
			if locked {
				result = lockedErr()
			}
			return tx.audit(nil, e)
		}
		e.result, e.detail = guangong.ResultOK, "second factor verified"
		if err := tx.attemptSucceeded(ctx, u.Username); err != nil {
			return err
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
