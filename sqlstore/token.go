package sqlstore

import (
	"context"
	"strings"
	"time"

	"guangong"
	"guangong/secret"
)

func tokenInvalid() error {
	return guangong.Errorf(guangong.EUNAUTHORIZED, "API 令牌无效或已撤销", "The API token is invalid or revoked")
}

const tokenUserSQL = `SELECT t.id, t.user_id, t.revoked_at, t.last_used_at, t.expires_at, ` + userCols + userFrom +
	` JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1`

// TokenUser resolves a raw API token to its account.
func (db *DB) TokenUser(ctx context.Context, rawToken string) (*guangong.User, error) {
	var id, userID string
	var revokedAt, lastUsed, expiresAt *time.Time
	u, err := scanUser(prefixScanner{db.reader.QueryRowContext(ctx, tokenUserSQL, secret.HashToken(rawToken)),
		[]any{&id, &userID, nullTimeCol{&revokedAt}, nullTimeCol{&lastUsed}, nullTimeCol{&expiresAt}}})
	if noRows(err) {
		return nil, tokenInvalid()
	} else if err != nil {
		return nil, mapError(err)
	}
	if revokedAt != nil {
		return nil, tokenInvalid()
	}
	// A password lockout guards against guessing passwords; it does not stop the account's
	// tokens, or anyone could cut off an integration with five bad logins.
	now := db.now()
	if expiresAt != nil && !now.Before(*expiresAt) {
		return nil, guangong.Errorf(guangong.EUNAUTHORIZED, "API 令牌已过期", "The API token has expired")
	}
	if u.Disabled {
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

// tokenOwner checks that the actor may see or revoke userID's tokens: its own, or, for an
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

func tokenNotFound() error { return guangong.NotFound(guangong.Msg{Zh: "API 令牌", En: "API token"}) }

const tokenCols = `id, user_id, name, created_at, last_used_at, revoked_at, expires_at`

func scanToken(s scanner) (*guangong.Token, error) {
	t := &guangong.Token{}
	err := s.Scan(&t.ID, &t.UserID, &t.Name, timeCol{&t.CreatedAt}, nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.RevokedAt},
		nullTimeCol{&t.ExpiresAt})
	return t, err
}

// maxTokenDays bounds a token's lifetime when it has one.
const maxTokenDays = 3650

// tokenViaToken refuses an API token minting tokens.
func tokenViaToken() error {
	return guangong.Errorf(guangong.EFORBIDDEN, "API 令牌不能创建新的令牌，请登录网页在“设置”中创建",
		"An API token cannot create tokens; log in to the web pages and create one under Settings")
}

// CreateToken makes an API token for userID; the raw value is returned once. expireDays 0
// makes a token that does not expire.
func (db *DB) CreateToken(ctx context.Context, a *guangong.Actor, userID, name string, expireDays int) (string, *guangong.Token, error) {
	name = strings.TrimSpace(name)
	var v guangong.Validation
	v.Text("name", "名称", "Name", name, true, 50)
	if expireDays < 0 || expireDays > maxTokenDays {
		v.Add("expireDays", "有效期须为0（不过期）到3650天", "Lifetime must be 0 (no expiry) to 3650 days")
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	raw := secret.NewToken()
	var t *guangong.Token
	err := db.write(ctx, a, func(tx *Tx) error {
		// A token acts as its account, so only the account itself (or the server's own
		// command line) makes one: an administrator minting a token for the auditor would
		// read the trail without the auditor's second factor.
		if !a.System && userID != a.UserID {
			return &denial{err: guangong.Forbidden(), objectType: objToken, objectID: userID, detail: "create token for another account"}
		}
		// Nor does a token make tokens (a stolen one would outlive its revocation), nor a
		// session whose password was checked long ago (an unattended browser).
		if a.ViaToken {
			return &denial{err: tokenViaToken(), objectType: objToken, objectID: userID, detail: "create token with a token"}
		}
		if !a.System && tx.now.Sub(a.AuthAt) > guangong.ReauthWindow {
			return &denial{err: guangong.ReauthRequired(), objectType: objToken, objectID: userID, detail: "create token without recent authentication"}
		}
		u, err := tokenOwner(ctx, tx, a, userID, "create token")
		if err != nil {
			return err
		}
		t = &guangong.Token{ID: guangong.NewID(), UserID: u.ID, Name: name, CreatedAt: tx.now}
		changes := []guangong.Change{{Field: "userId", After: u.ID}, {Field: "name", After: name}}
		if expireDays > 0 {
			exp := tx.now.AddDate(0, 0, expireDays)
			t.ExpiresAt = &exp
			changes = append(changes, guangong.Change{Field: "expiresAt", After: fmtTime(exp)})
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at,
			last_used_at, revoked_at, expires_at) VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6)`,
			t.ID, u.ID, name, secret.HashToken(raw), fmtTime(tx.now), fmtTimePtr(t.ExpiresAt)); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionTokenCreate, objectType: objToken, objectID: t.ID, orgID: u.OrgID,
			changes: changes})
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
			return missing(tokenNotFound(), objToken, id, "revoke token")
		} else if err != nil {
			return err
		}
		// Another account's token, one the actor may not manage (its role manages no
		// accounts, or the account lies outside scope), is missing to it: 404 like an id that
		// names none, never a 403 that says the token exists.
		u, err := tokenOwner(ctx, tx, a, t.UserID, "revoke token")
		if code := guangong.ErrorCode(err); code == guangong.ENOTFOUND || code == guangong.EFORBIDDEN {
			return &denial{err: tokenNotFound(), objectType: objToken, objectID: id, detail: "revoke token: not the actor's to manage"}
		} else if err != nil {
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

// revokeTokens revokes every live token of the account (on a password change or reset, and
// when an administrator ends its sessions): whoever held the old password may have made one.
func (tx *Tx) revokeTokens(ctx context.Context, userID string) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`,
		fmtTime(tx.now), userID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
