package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"guangong"
)

// entry is what a write records; the actor supplies who and where.
type entry struct {
	action     string
	result     string
	objectType string
	objectID   string
	orgID      string
	changes    []guangong.Change
	detail     string
	// For events without an actor account (login): who the entry is about.
	userID, username, ip string
}

// Object types in the trail.
const (
	objOrg   = "org"
	objUser  = "user"
	objToken = "token"
	objAudit = "audit"
)

// audit appends an entry to the chain inside tx. Taking the head row with UPDATE locks it
// (PostgreSQL) or runs on the single writer (SQLite), so appends are serialised and the
// chain has no forks.
func (tx *Tx) audit(a *guangong.Actor, e entry) error {
	ctx := tx.ctx
	row := auditRow{
		ID: guangong.NewID(), At: fmtTime(tx.now),
		UserID: e.userID, Username: e.username, IP: e.ip,
		OrgID: e.orgID, Action: e.action, ObjectType: e.objectType, ObjectID: e.objectID,
		Result: e.result, Detail: e.detail, Changes: "[]",
	}
	if a != nil {
		if row.UserID == "" {
			row.UserID = a.UserID
		}
		if row.Username == "" {
			row.Username = a.Username
		}
		if row.IP == "" {
			row.IP = a.IP
		}
		if a.RequestID != "" {
			row.Detail = strings.TrimSpace(row.Detail + " request=" + a.RequestID)
		}
	}
	if row.Result == "" {
		row.Result = guangong.ResultOK
	}
	if len(e.changes) > 0 {
		b, err := json.Marshal(e.changes)
		if err != nil {
			return err
		}
		row.Changes = string(b)
	}
	if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).
		Scan(&row.Seq, &row.PrevHash); err != nil {
		return fmt.Errorf("sqlstore: audit head: %w", err)
	}
	row.Hash = row.hash()
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, id, at, user_id, username, org_id, ip, action,
		object_type, object_id, result, changes, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		row.Seq, row.ID, row.At, row.UserID, row.Username, row.OrgID, row.IP, row.Action,
		row.ObjectType, row.ObjectID, row.Result, row.Changes, row.Detail, row.PrevHash, row.Hash); err != nil {
		return fmt.Errorf("sqlstore: audit insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, row.Hash); err != nil {
		return fmt.Errorf("sqlstore: audit head: %w", err)
	}
	return nil
}

// auditRow is an entry as stored: the hash covers these exact texts.
type auditRow struct {
	Seq                                                     int64
	ID, At, UserID, Username, OrgID, IP, Action             string
	ObjectType, ObjectID, Result, Changes, Detail, PrevHash string
	Hash                                                    string
}

const auditCols = `seq, id, at, user_id, username, org_id, ip, action, object_type, object_id, result, changes, detail, prev_hash, hash`

func (r *auditRow) scan(s interface{ Scan(...any) error }) error {
	return s.Scan(&r.Seq, &r.ID, &r.At, &r.UserID, &r.Username, &r.OrgID, &r.IP, &r.Action,
		&r.ObjectType, &r.ObjectID, &r.Result, &r.Changes, &r.Detail, &r.PrevHash, &r.Hash)
}

// hash is sha256 over a canonical encoding of every field and the previous hash: a JSON
// array of the stored texts, so the encoding is unambiguous (no field can bleed into the next).
func (r *auditRow) hash() string {
	b, _ := json.Marshal([]any{r.Seq, r.ID, r.At, r.UserID, r.Username, r.OrgID, r.IP, r.Action,
		r.ObjectType, r.ObjectID, r.Result, r.Changes, r.Detail, r.PrevHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (r *auditRow) entry() (*guangong.AuditEntry, error) {
	e := &guangong.AuditEntry{Seq: r.Seq, ID: r.ID, UserID: r.UserID, Username: r.Username, OrgID: r.OrgID,
		IP: r.IP, Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID, Result: r.Result,
		Detail: r.Detail, PrevHash: r.PrevHash, Hash: r.Hash}
	if err := (timeCol{&e.At}).Scan(r.At); err != nil {
		return nil, err
	}
	if r.Changes != "" && r.Changes != "[]" {
		if err := json.Unmarshal([]byte(r.Changes), &e.Changes); err != nil {
			return nil, fmt.Errorf("sqlstore: audit %d changes: %w", r.Seq, err)
		}
	}
	return e, nil
}

// RecordAudit records an event that changes nothing else: an export, a denial seen by the
// web layer. The actor supplies who and where; e supplies what.
func (db *DB) RecordAudit(ctx context.Context, a *guangong.Actor, e *guangong.AuditEntry) error {
	if e == nil || e.Action == "" {
		return guangong.Errorf(guangong.EINVALID, "审计记录缺少操作", "Audit entry needs an action")
	}
	return db.write(ctx, a, func(tx *Tx) error {
		return tx.audit(a, entry{action: e.Action, result: e.Result, objectType: e.ObjectType, objectID: e.ObjectID,
			orgID: e.OrgID, changes: e.Changes, detail: e.Detail})
	})
}

// FindAudit lists entries newest first for the auditor (and the system), within scope:
// entries of committees in the auditor's subtree, and entries with no committee (unknown
// usernames, system work) only for an auditor whose committee is a root.
func (db *DB) FindAudit(ctx context.Context, a *guangong.Actor, f guangong.AuditFilter) ([]*guangong.AuditEntry, int, error) {
	var list []*guangong.AuditEntry
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadAudit) {
			return &denial{err: guangong.Forbidden(), objectType: objAudit, detail: "find audit"}
		}
		var args args
		var where []string
		if !a.System {
			root, err := isRoot(ctx, q, a.OrgID)
			if err != nil {
				return err
			}
			cond := `org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ` + args.add(a.OrgID) + `)`
			if root {
				cond = "(" + cond + " OR org_id = '')"
			}
			where = append(where, cond)
		}
		if f.Username != nil {
			where = append(where, "username = "+args.add(*f.Username))
		}
		if f.ObjectType != nil {
			where = append(where, "object_type = "+args.add(*f.ObjectType))
		}
		if f.ObjectID != nil {
			where = append(where, "object_id = "+args.add(*f.ObjectID))
		}
		if f.Action != nil {
			where = append(where, "action = "+args.add(*f.Action))
		}
		if f.From != nil {
			where = append(where, "at >= "+args.add(fmtTime(*f.From)))
		}
		if f.To != nil {
			where = append(where, "at < "+args.add(fmtTime(*f.To)))
		}
		w := ""
		if len(where) > 0 {
			w = " WHERE " + strings.Join(where, " AND ")
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`+w, args...).Scan(&total); err != nil {
			return err
		}
		p := f.Page.Normalize()
		rows, err := q.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log`+w+
			` ORDER BY seq DESC `+limit(p), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r auditRow
			if err := r.scan(rows); err != nil {
				return err
			}
			e, err := r.entry()
			if err != nil {
				return err
			}
			list = append(list, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

func isRoot(ctx context.Context, q querier, orgID string) (bool, error) {
	var parent sql.NullString
	err := q.QueryRowContext(ctx, `SELECT parent_id FROM orgs WHERE id = $1`, orgID).Scan(&parent)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && !parent.Valid, err
}

// verifyPage is how many entries VerifyAudit reads at a time (a var so tests can shrink it).
var verifyPage = 1000

// VerifyAudit walks the whole chain in seq order, a page at a time, checking that seq
// runs 1, 2, 3 … without gaps, that each entry links to the previous hash, that each hash
// matches its entry, and that the head names the last entry. It reports the first break.
func (db *DB) VerifyAudit(ctx context.Context, a *guangong.Actor) (*guangong.AuditVerification, error) {
	var v *guangong.AuditVerification
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadAudit) {
			return &denial{err: guangong.Forbidden(), objectType: objAudit, detail: "verify audit"}
		}
		var err error
		v, err = verifyChain(ctx, q)
		return err
	})
	return v, err
}

func verifyChain(ctx context.Context, q querier) (*guangong.AuditVerification, error) {
	// Read the head first and walk only up to it: entries appended meanwhile are not
	// part of this check, and head and entry commit together, so the head's entry exists.
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
		return nil, err
	}
	v := &guangong.AuditVerification{}
	broken := func(seq int64, id, reason string) (*guangong.AuditVerification, error) {
		v.BrokenSeq, v.BrokenID, v.Reason = seq, id, reason
		return v, nil
	}
	var last int64
	prev, lastID := "", ""
	for {
		rows, err := q.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
			last, headSeq, verifyPage)
		if err != nil {
			return nil, err
		}
		var page []auditRow
		for rows.Next() {
			var r auditRow
			if err := r.scan(rows); err != nil {
				rows.Close()
				return nil, err
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for i := range page {
			r := &page[i]
			switch {
			case r.Seq != last+1:
				return broken(last+1, r.ID, fmt.Sprintf("第%d条记录缺失，其后是第%d条（即所列 id）(entry %d is missing; the id given is the next one, %d)", last+1, r.Seq, last+1, r.Seq))
			case r.PrevHash != prev:
				return broken(r.Seq, r.ID, "与前一条的哈希链接不符 (previous-hash link does not match the entry before it)")
			case r.hash() != r.Hash:
				return broken(r.Seq, r.ID, "哈希与记录内容不符，记录被改动过 (hash does not match the entry's contents)")
			}
			last, prev, lastID = r.Seq, r.Hash, r.ID
			v.Checked++
		}
		if len(page) < verifyPage {
			break
		}
	}
	if last != headSeq {
		return broken(last+1, "", fmt.Sprintf("第%d至%d条记录缺失 (entries %d to %d are missing)", last+1, headSeq, last+1, headSeq))
	}
	if prev != headHash {
		return broken(last, lastID, "链头与最后一条记录不符 (the head does not match the last entry)")
	}
	v.OK = true
	return v, nil
}
