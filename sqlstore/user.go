package sqlstore

import (
	"context"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"

	"guangong"
	"guangong/secret"
)

// userCols reads an account with its committee's name (a join, not a query per row).
// The password hash and TOTP secret are never read into a User. Failed logins and the
// lockout are counted per username in login_attempts (see reserveAttempt).
const userCols = `u.id, u.username, u.display_name, u.org_id, o.name, u.role, u.disabled, u.must_change_password,
	COALESCE(la.failed, 0), la.locked_until, u.totp_secret <> '', u.large_text, u.lang, u.last_login_at, u.version,
	u.created_at, u.updated_at, u.minor_access, u.volunteer_id, COALESCE(uv.name, '')`

const userFrom = ` FROM users u JOIN orgs o ON o.id = u.org_id LEFT JOIN volunteers uv ON uv.id = u.volunteer_id
	LEFT JOIN login_attempts la ON la.username = u.username`

func scanUser(s scanner) (*guangong.User, error) {
	u := &guangong.User{}
	err := s.Scan(&u.ID, &u.Username, &u.DisplayName, &u.OrgID, &u.OrgName, &u.Role, &u.Disabled,
		&u.MustChangePassword, &u.FailedLogins, nullTimeCol{&u.LockedUntil}, &u.TOTPEnabled, &u.LargeText,
		&u.Lang, nullTimeCol{&u.LastLoginAt}, &u.Version, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, &u.MinorAccess,
		&u.VolunteerID, &u.VolunteerName)
	return u, err
}

func userNotFound() error { return guangong.NotFound(guangong.UserNoun) }

func loadUser(ctx context.Context, q querier, id string) (*guangong.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+userFrom+` WHERE u.id = $1`, id))
	if noRows(err) {
		return nil, userNotFound()
	}
	return u, err
}

// hidesRole reports whether the actor may not see accounts of role r: only the system administrator
// (and the system) see system administrators and auditors.
func hidesRole(a *guangong.Actor, r guangong.Role) bool {
	return !a.System && a.Role != guangong.RoleSysAdmin && r.RequiresTOTP()
}

// scopedUser reads account id if the actor may see it: its committee lies in scope and,
// for a committee administrator, it is not privileged. Otherwise NotFound, audited.
func scopedUser(ctx context.Context, q querier, a *guangong.Actor, id, what string) (*guangong.User, error) {
	u, err := loadUser(ctx, q, id)
	if guangong.ErrorCode(err) == guangong.ENOTFOUND {
		return nil, missing(err, objUser, id, what)
	} else if err != nil {
		return nil, err
	}
	ok, err := inScope(ctx, q, a, u.OrgID)
	if err != nil {
		return nil, err
	}
	if !ok || hidesRole(a, u.Role) {
		return nil, &denial{err: userNotFound(), objectType: objUser, objectID: id, orgID: u.OrgID, detail: what + ": outside scope"}
	}
	return u, nil
}

// self reads the actor's own account.
func self(ctx context.Context, q querier, a *guangong.Actor) (*guangong.User, error) {
	if a == nil || a.UserID == "" {
		return nil, noActor()
	}
	return loadUser(ctx, q, a.UserID)
}

// FindUserByID returns account id; anyone may read their own account.
func (db *DB) FindUserByID(ctx context.Context, a *guangong.Actor, id string) (*guangong.User, error) {
	var u *guangong.User
	err := db.read(ctx, a, func(q querier) error {
		var err error
		if id != "" && id == a.UserID {
			u, err = loadUser(ctx, q, id)
			return err
		}
		if !a.Can(guangong.Role.CanManageUsers) {
			return &denial{err: guangong.Forbidden(), objectType: objUser, objectID: id, detail: "read user"}
		}
		u, err = scopedUser(ctx, q, a, id, "read user")
		return err
	})
	return u, err
}

// FindUserByUsername is FindUserByID by username.
func (db *DB) FindUserByUsername(ctx context.Context, a *guangong.Actor, username string) (*guangong.User, error) {
	var id string
	err := db.reader.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`,
		strings.ToLower(strings.TrimSpace(username))).Scan(&id)
	if noRows(err) {
		// Through the same role check and audited not-found as an account outside scope
		// (no account's id is a username).
		return db.FindUserByID(ctx, a, "username:"+username)
	} else if err != nil {
		return nil, mapError(err)
	}
	return db.FindUserByID(ctx, a, id)
}

// FindUsers lists accounts in scope by username.
func (db *DB) FindUsers(ctx context.Context, a *guangong.Actor, f guangong.UserFilter) ([]*guangong.User, int, error) {
	var list []*guangong.User
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanManageUsers) {
			return &denial{err: guangong.Forbidden(), objectType: objUser, detail: "list users"}
		}
		if err := filterOrg(ctx, q, a, f.OrgID, "list users"); err != nil {
			return err
		}
		var args args
		conds := []string{scopeCond(a, "u.org_id", &args)}
		if hidesRole(a, guangong.RoleSysAdmin) {
			conds = append(conds, "u.role NOT IN ("+args.add(string(guangong.RoleSysAdmin))+", "+
				args.add(string(guangong.RoleAuditor))+")")
		}
		if f.OrgID != nil && *f.OrgID != "" {
			conds = append(conds, "u.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = "+args.add(*f.OrgID)+")")
		}
		if f.Query != nil && strings.TrimSpace(*f.Query) != "" {
			p := args.add(likePattern(strings.TrimSpace(*f.Query)))
			conds = append(conds, `(u.username LIKE `+p+` ESCAPE '\' OR u.display_name LIKE `+p+` ESCAPE '\')`)
		}
		if f.Role != nil {
			conds = append(conds, "u.role = "+args.add(string(*f.Role)))
		}
		if f.Disabled != nil {
			conds = append(conds, "u.disabled = "+args.add(*f.Disabled))
		}
		w := where(conds)
		if err := countInto(ctx, q, f.Page, &total, `SELECT COUNT(*) FROM users u`+w, args...); err != nil {
			return err
		}
		p := f.Page.Normalize()
		rows, err := q.QueryContext(ctx, `SELECT `+userCols+userFrom+w+` ORDER BY u.username, u.id `+limit(p), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			list = append(list, u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// userOrg checks the committee an account is created in or moved to.
func userOrg(ctx context.Context, q querier, a *guangong.Actor, id string) (*guangong.Org, error) {
	absent := fieldErr("orgId", "所属组织不存在", "The committee does not exist")
	o, err := loadOrg(ctx, q, id)
	if guangong.ErrorCode(err) == guangong.ENOTFOUND {
		return nil, missing(absent, objOrg, id, "account committee")
	} else if err != nil {
		return nil, err
	}
	if ok, err := inScope(ctx, q, a, id); err != nil {
		return nil, err
	} else if !ok {
		return nil, &denial{err: absent, objectType: objOrg, objectID: id, orgID: id, detail: "account committee outside scope"}
	}
	if o.Status != guangong.OrgActive {
		return nil, fieldErr("orgId", "所属组织已撤销", "The committee is dissolved")
	}
	return o, nil
}

func userFields(u *guangong.User) [][2]string {
	return [][2]string{{"username", u.Username}, {"displayName", u.DisplayName}, {"orgId", u.OrgID},
		{"role", string(u.Role)}, {"disabled", strconv.FormatBool(u.Disabled)},
		{"minorAccess", strconv.FormatBool(u.MinorAccess)}, {"volunteerId", u.VolunteerID}}
}

// accountVolunteer checks the volunteer record a volunteer account is linked to: in the
// actor's scope, not merged, and not linked to another account.
func (db *DB) accountVolunteer(ctx context.Context, tx *Tx, a *guangong.Actor, u *guangong.User) error {
	if u.Role != guangong.RoleVolunteer {
		u.VolunteerID, u.VolunteerName = "", ""
		return nil
	}
	u.MinorAccess = false // a volunteer's own account never opens youths' records
	v, err := db.volunteerIn(ctx, tx, a, "volunteerId", u.VolunteerID, "link account to volunteer")
	if err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE volunteer_id = $1 AND id <> $2`,
		u.VolunteerID, u.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fieldErr("volunteerId", "该志愿者已有账号", "This volunteer already has an account")
	}
	u.VolunteerName = v.Name
	return nil
}

// CreateUser creates an account in a committee within scope, with a role the actor may give.
func (db *DB) CreateUser(ctx context.Context, a *guangong.Actor, u *guangong.User, password string) error {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	if u.Lang == "" {
		u.Lang = "zh"
	}
	if a == nil {
		return noActor()
	}
	if !a.Can(guangong.Role.CanManageUsers) {
		return db.finish(ctx, a, &denial{err: guangong.Forbidden(), objectType: objUser, orgID: u.OrgID, detail: "create user"})
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := guangong.ValidatePassword("password", password, u.Username); err != nil {
		return err
	}
	if !a.System && !a.Role.CanAssign(u.Role) {
		return db.finish(ctx, a, &denial{err: guangong.Forbidden(), objectType: objUser, orgID: u.OrgID, detail: "assign role " + string(u.Role)})
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return guangong.Internal(err)
	}
	err = db.write(ctx, a, func(tx *Tx) error {
		o, err := userOrg(ctx, tx, a, u.OrgID)
		if err != nil {
			return err
		}
		if err := db.accountVolunteer(ctx, tx, a, u); err != nil {
			return err
		}
		if err := tx.insertUser(ctx, u, hash); err != nil {
			return err
		}
		u.OrgName = o.Name
		return tx.audit(a, entry{action: guangong.ActionCreate, objectType: objUser, objectID: u.ID, orgID: u.OrgID,
			changes: diff(nil, userFields(u))})
	})
	if err != nil {
		u.ID = ""
	}
	return err
}

func (tx *Tx) insertUser(ctx context.Context, u *guangong.User, hash string) error {
	u.ID = guangong.NewID()
	u.FailedLogins, u.LockedUntil, u.TOTPEnabled, u.LastLoginAt = 0, nil, false, nil
	u.Version, u.CreatedAt, u.UpdatedAt = 1, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, org_id, role, disabled,
		must_change_password, password_hash, failed_logins, locked_until, totp_secret, large_text, lang,
		last_login_at, version, created_at, updated_at, minor_access, volunteer_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, NULL, '', $9, $10, NULL, 1, $11, $11, $12, $13)`,
		u.ID, u.Username, u.DisplayName, u.OrgID, string(u.Role), u.Disabled, u.MustChangePassword, hash,
		u.LargeText, u.Lang, fmtTime(tx.now), u.MinorAccess, u.VolunteerID)
	return err
}

// UpdateUser changes an account's name, role, committee, disabled flag or 未成年人信息 access.
func (db *DB) UpdateUser(ctx context.Context, a *guangong.Actor, id string, uu guangong.UserUpdate) (*guangong.User, error) {
	var u *guangong.User
	err := db.write(ctx, a, func(tx *Tx) error {
		if !a.Can(guangong.Role.CanManageUsers) {
			return &denial{err: guangong.Forbidden(), objectType: objUser, objectID: id, detail: "update user"}
		}
		var err error
		if u, err = scopedUser(ctx, tx, a, id, "update user"); err != nil {
			return err
		}
		if u.Version != uu.Version {
			return guangong.Stale()
		}
		before, oldRole, oldVolunteer := userFields(u), u.Role, u.VolunteerID
		if uu.DisplayName != nil {
			u.DisplayName = strings.TrimSpace(*uu.DisplayName)
		}
		if uu.Role != nil && *uu.Role != u.Role {
			if !a.System && !a.Role.CanAssign(*uu.Role) {
				return &denial{err: guangong.Forbidden(), objectType: objUser, objectID: id, orgID: u.OrgID, detail: "assign role " + string(*uu.Role)}
			}
			u.Role = *uu.Role
		}
		if uu.Disabled != nil {
			u.Disabled = *uu.Disabled
		}
		if uu.MinorAccess != nil {
			u.MinorAccess = *uu.MinorAccess && u.Role != guangong.RoleVolunteer // never for a volunteer's own account
		}
		if uu.VolunteerID != nil {
			u.VolunteerID = strings.TrimSpace(*uu.VolunteerID)
		}
		if id == a.UserID && (u.Role != oldRole || u.Disabled) {
			return guangong.Errorf(guangong.EINVALID, "不能停用自己的账号或修改自己的角色", "You cannot disable your own account or change your own role")
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if u.Role != oldRole || u.VolunteerID != oldVolunteer {
			if err := db.accountVolunteer(ctx, tx, a, u); err != nil {
				return err
			}
		}
		if uu.OrgID != nil && *uu.OrgID != u.OrgID {
			o, err := userOrg(ctx, tx, a, *uu.OrgID)
			if err != nil {
				return err
			}
			u.OrgID, u.OrgName = o.ID, o.Name
		}
		changes := diff(before, userFields(u))
		if len(changes) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET display_name = $1, role = $2, org_id = $3, disabled = $4,
			minor_access = $5, volunteer_id = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`,
			u.DisplayName, string(u.Role), u.OrgID, u.Disabled, u.MinorAccess, u.VolunteerID, fmtTime(tx.now), id, uu.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		u.Version, u.UpdatedAt = u.Version+1, tx.now
		detail := ""
		if u.Disabled {
			// Its tokens go with its sessions: enabling the account again must not bring back
			// an integration nobody re-approved.
			n, err := tx.endSessions(ctx, id, "")
			if err != nil {
				return err
			}
			k, err := tx.revokeTokens(ctx, id)
			if err != nil {
				return err
			}
			detail = "sessions ended: " + strconv.Itoa(n) + ", API tokens revoked: " + strconv.Itoa(k)
		}
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objUser, objectID: id, orgID: u.OrgID,
			changes: changes, detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// endSessions ends the account's open sessions except the one whose hash is keepHash.
func (tx *Tx) endSessions(ctx context.Context, userID, keepHash string) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = $1
		WHERE user_id = $2 AND ended_at IS NULL AND expires_at > $1 AND id_hash <> $3`,
		fmtTime(tx.now), userID, keepHash)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ResetPassword sets a one-time password (to be changed at next login), clears the
// lockout, ends every session of the account and revokes its API tokens.
func (db *DB) ResetPassword(ctx context.Context, a *guangong.Actor, id, password string) error {
	if err := guangong.ValidatePassword("password", password, ""); err != nil {
		return err
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return guangong.Internal(err)
	}
	return db.write(ctx, a, func(tx *Tx) error {
		if !a.Can(guangong.Role.CanManageUsers) {
			return &denial{err: guangong.Forbidden(), objectType: objUser, objectID: id, detail: "reset password"}
		}
		// One's own password is changed with the current one (ChangePassword): a reset of
		// one's own would let a stolen session or API token set a password without it, and
		// so outlast the revocation the reset itself makes.
		if !a.System && id == a.UserID {
			return &denial{err: guangong.Errorf(guangong.EINVALID, "不能重置自己的密码，请在“修改密码”中输入原密码修改",
				"You cannot reset your own password; change it under Change password, with the current one"),
				objectType: objUser, objectID: id, orgID: a.OrgID, detail: "reset own password"}
		}
		u, err := scopedUser(ctx, tx, a, id, "reset password")
		if err != nil {
			return err
		}
		// The username is known only now, in scope (outside it the answer is 404, never a
		// word about the password).
		if err := guangong.ValidatePassword("password", password, u.Username); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = $2,
			version = version + 1, updated_at = $3 WHERE id = $4`,
			hash, true, fmtTime(tx.now), id); err != nil {
			return err
		}
		if err := tx.attemptSucceeded(ctx, u.Username); err != nil {
			return err
		}
		n, err := tx.endSessions(ctx, id, "")
		if err != nil {
			return err
		}
		k, err := tx.revokeTokens(ctx, id)
		if err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionPasswordReset, objectType: objUser, objectID: id, orgID: u.OrgID,
			detail: "sessions ended: " + strconv.Itoa(n) + ", API tokens revoked: " + strconv.Itoa(k)})
	})
}

// EndSessions ends every session of account id and revokes its API tokens.
func (db *DB) EndSessions(ctx context.Context, a *guangong.Actor, id string) (int, error) {
	var n int
	err := db.write(ctx, a, func(tx *Tx) error {
		if !a.Can(guangong.Role.CanManageUsers) {
			return &denial{err: guangong.Forbidden(), objectType: objUser, objectID: id, detail: "end sessions"}
		}
		u, err := scopedUser(ctx, tx, a, id, "end sessions")
		if err != nil {
			return err
		}
		if n, err = tx.endSessions(ctx, id, ""); err != nil {
			return err
		}
		k, err := tx.revokeTokens(ctx, id)
		if err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionEndSessions, objectType: objUser, objectID: id, orgID: u.OrgID,
			detail: "sessions ended: " + strconv.Itoa(n) + ", API tokens revoked: " + strconv.Itoa(k)})
	})
	return n, err
}

// credentials reads what only the store itself may see.
func credentials(ctx context.Context, q querier, id string) (hash, totpSecret string, err error) {
	err = q.QueryRowContext(ctx, `SELECT password_hash, totp_secret FROM users WHERE id = $1`, id).Scan(&hash, &totpSecret)
	if noRows(err) {
		err = userNotFound()
	}
	return hash, totpSecret, err
}

// ChangePassword changes the actor's own password, ends its other sessions and revokes
// its API tokens.
func (db *DB) ChangePassword(ctx context.Context, a *guangong.Actor, oldPassword, newPassword, keepSessionID string) error {
	u, err := self(ctx, db.reader, a)
	if err != nil {
		return mapError(err)
	}
	hash, _, err := credentials(ctx, db.reader, u.ID)
	if err != nil {
		return mapError(err)
	}
	// The current password is checked like a login (counted before the check, the
	// MaxFailedLogins-th failure locks the username, audited): else a stolen session or
	// token could guess the password here without limit.
	n, free, err := db.reserveAttempt(ctx, u.Username)
	if err != nil {
		return mapError(err)
	}
	ctx = context.WithoutCancel(ctx) // settled even if the client goes away (see Login)
	failed := func(detail string, wrong bool) error {
		var result error = fieldErr("oldPassword", "原密码不正确", "The current password is wrong")
		if !wrong {
			result = lockedErr()
		}
		if err := db.inTx(ctx, func(tx *Tx) error {
			if wrong {
				locked, err := tx.attemptFailed(ctx, u.Username, n, u.ID, u.OrgID, a.IP)
				if err != nil {
					return err
				}
				if locked {
					result = lockedErr()
				}
			}
			return tx.audit(a, entry{action: guangong.ActionPasswordChange, result: guangong.ResultFailed,
				objectType: objUser, objectID: u.ID, orgID: u.OrgID, detail: detail})
		}); err != nil {
			return mapError(err)
		}
		return result
	}
	if !free {
		return failed("account locked", false)
	}
	if ok, err := secret.CheckPassword(hash, oldPassword); err != nil {
		return guangong.Internal(err)
	} else if !ok {
		return failed("wrong current password", true)
	}
	if err := db.inTx(ctx, func(tx *Tx) error { return tx.passwordRight(ctx, u) }); err != nil {
		return mapError(err)
	}
	if err := guangong.ValidatePassword("newPassword", newPassword, u.Username); err != nil {
		return err
	}
	if same, err := secret.CheckPassword(hash, newPassword); err != nil {
		return guangong.Internal(err)
	} else if same {
		return fieldErr("newPassword", "新密码不能与原密码相同", "The new password must differ from the current one")
	}
	newHash, err := secret.HashPassword(newPassword)
	if err != nil {
		return guangong.Internal(err)
	}
	keep := ""
	if keepSessionID != "" {
		keep = secret.HashToken(keepSessionID)
	}
	return db.write(ctx, a, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = $2,
			version = version + 1, updated_at = $3 WHERE id = $4`, newHash, false, fmtTime(tx.now), u.ID); err != nil {
			return err
		}
		n, err := tx.endSessions(ctx, u.ID, keep)
		if err != nil {
			return err
		}
		k, err := tx.revokeTokens(ctx, u.ID)
		if err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionPasswordChange, objectType: objUser, objectID: u.ID, orgID: u.OrgID,
			detail: "other sessions ended: " + strconv.Itoa(n) + ", API tokens revoked: " + strconv.Itoa(k)})
	})
}

// SetPrefs changes the actor's own display preferences.
func (db *DB) SetPrefs(ctx context.Context, a *guangong.Actor, p guangong.Prefs) (*guangong.User, error) {
	var u *guangong.User
	err := db.write(ctx, a, func(tx *Tx) error {
		var err error
		if u, err = self(ctx, tx, a); err != nil {
			return err
		}
		before := [][2]string{{"largeText", strconv.FormatBool(u.LargeText)}, {"lang", u.Lang}}
		if p.LargeText != nil {
			u.LargeText = *p.LargeText
		}
		if p.Lang != nil {
			if *p.Lang != "zh" && *p.Lang != "en" {
				return fieldErr("lang", "语言只能是 zh 或 en", "Language must be zh or en")
			}
			u.Lang = *p.Lang
		}
		changes := diff(before, [][2]string{{"largeText", strconv.FormatBool(u.LargeText)}, {"lang", u.Lang}})
		if len(changes) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET large_text = $1, lang = $2, updated_at = $3 WHERE id = $4`,
			u.LargeText, u.Lang, fmtTime(tx.now), u.ID); err != nil {
			return err
		}
		u.UpdatedAt = tx.now
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objUser, objectID: u.ID, orgID: u.OrgID,
			changes: changes, detail: "preferences"})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// OfferTOTP records the secret the enrolment page issued to the actor.
func (db *DB) OfferTOTP(ctx context.Context, a *guangong.Actor, totpSecret string) error {
	if !secret.ValidTOTPSecret(totpSecret) {
		return guangong.Internal(errors.New("sqlstore: offered TOTP secret is not base32"))
	}
	return db.write(ctx, a, func(tx *Tx) error {
		u, err := self(ctx, tx, a)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE users SET totp_pending = $1 WHERE id = $2`, totpSecret, u.ID); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionTOTP, objectType: objUser, objectID: u.ID, orgID: u.OrgID,
			detail: "secret offered for enrolment"})
	})
}

// SetTOTP enrols or removes the actor's own second factor. Only the secret last offered
// (OfferTOTP) can be enrolled: a form posting another one is refused.
func (db *DB) SetTOTP(ctx context.Context, a *guangong.Actor, totpSecret, code string) error {
	return db.write(ctx, a, func(tx *Tx) error {
		u, err := self(ctx, tx, a)
		if err != nil {
			return err
		}
		detail, step := "enrolled", int64(0)
		if totpSecret == "" {
			if u.Role.RequiresTOTP() {
				return &denial{err: &guangong.Error{Code: guangong.EFORBIDDEN, Msg: guangong.Msg{
					Zh: "系统管理员和安全审计员必须使用双因素认证", En: "Administrators and auditors must keep a second factor"}},
					objectType: objUser, objectID: u.ID, orgID: u.OrgID, detail: "remove totp"}
			}
			detail = "removed"
		} else {
			var pending string
			if err := tx.QueryRowContext(ctx, `SELECT totp_pending FROM users WHERE id = $1`, u.ID).Scan(&pending); err != nil {
				return err
			}
			if pending == "" || subtle.ConstantTimeCompare([]byte(pending), []byte(totpSecret)) != 1 {
				return fieldErr("secret", "密钥与本页发放的不一致，请重新打开绑定页面扫描新的二维码",
					"The secret is not the one this page issued; open the enrolment page again and scan the new QR code")
			}
			var ok bool
			if step, ok = secret.MatchTOTP(totpSecret, strings.TrimSpace(code), tx.now); !ok {
				return fieldErr("code", "验证码不正确", "Wrong code")
			}
		}
		// The enrolling code counts as used (it completes a login on the enrolment page).
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_pending = '', totp_last_step = $2,
			updated_at = $3 WHERE id = $4`, totpSecret, step, fmtTime(tx.now), u.ID); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionTOTP, objectType: objUser, objectID: u.ID, orgID: u.OrgID, detail: detail})
	})
}
