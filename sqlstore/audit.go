package sqlstore

import (
	"context"
	"crypto/hmac"
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

// audit appends an entry to the chain inside tx (takeHead serialises appends).
func (tx *Tx) audit(a *guangong.Actor, e entry) error {
	ctx := tx.ctx
	row := auditRow{
		ID:     guangong.NewID(),
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
	if tx.auditKey == nil && !tx.legacyAudit {
		return errNoAuditKey
	}
	var keyedFrom int64
	var err error
	if row.Seq, row.PrevHash, keyedFrom, err = tx.takeHead(1); err != nil {
		return err
	}
	row.At = tx.auditTime()
	row.Hash = tx.entryHash(&row)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, id, at, user_id, username, org_id, ip, action,
		object_type, object_id, result, changes, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		row.Seq, row.ID, row.At, row.UserID, row.Username, row.OrgID, row.IP, row.Action,
		row.ObjectType, row.ObjectID, row.Result, row.Changes, row.Detail, row.PrevHash, row.Hash); err != nil {
		return fmt.Errorf("sqlstore: audit insert: %w", err)
	}
	return tx.setHead(row.Seq, row.Hash, keyedFrom)
}

// auditTime is an entry's time: read once the head is locked, so that times never run
// backwards along the chain (a transaction that began earlier but appends later would
// otherwise carry the earlier time), and never before the transaction's own time.
func (tx *Tx) auditTime() string {
	at := tx.now
	if tx.clock != nil {
		if t := tx.clock(); t.After(at) {
			at = t
		}
	}
	return fmtTime(at)
}

// errNoAuditKey answers an append or a check of the trail without the data key: an
// unkeyed entry would be as forgeable as the trail it joins, so nothing is written.
var errNoAuditKey = errors.New("sqlstore: no data key configured: the audit trail is keyed by it (HMAC-SHA256), so it can be neither appended to nor verified")

// takeHead reserves n sequence numbers by moving the head row, which locks it (PostgreSQL)
// or runs on the single writer (SQLite), so appends are serialised and the chain has no
// forks. It returns the last number reserved, the hash of the entry before the first, and
// the first seq of the keyed chain.
func (tx *Tx) takeHead(n int) (last int64, prev string, keyedFrom int64, err error) {
	if tx.legacyAudit { // before migration 0012 there is no keyed_from
		err = tx.QueryRowContext(tx.ctx, `UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash`, n).
			Scan(&last, &prev)
	} else {
		err = tx.QueryRowContext(tx.ctx, `UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash, keyed_from`, n).
			Scan(&last, &prev, &keyedFrom)
	}
	if err != nil {
		return 0, "", 0, fmt.Errorf("sqlstore: audit head: %w", err)
	}
	return last, prev, keyedFrom, nil
}

// setHead names the newest entry in the head row, with the head's own MAC: moving the head
// back over a cut tail needs the key.
func (tx *Tx) setHead(seq int64, hash string, keyedFrom int64) error {
	var err error
	if tx.legacyAudit {
		_, err = tx.ExecContext(tx.ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, hash)
	} else {
		_, err = tx.ExecContext(tx.ctx, `UPDATE audit_head SET hash = $1, mac = $2 WHERE id = 1`,
			hash, headMAC(tx.auditKey, seq, hash, keyedFrom))
	}
	if err != nil {
		return fmt.Errorf("sqlstore: audit head: %w", err)
	}
	return nil
}

// entryHash computes an entry's hash: its MAC under the audit key (the caller has checked that
// there is one).
func (tx *Tx) entryHash(r *auditRow) string {
	if tx.legacyAudit {
		return r.hash()
	}
	return r.mac(tx.auditKey)
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

// canonical encodes every field and the previous hash as a JSON array of the stored texts,
// so the encoding is unambiguous (no field can bleed into the next).
func (r *auditRow) canonical() []byte {
	b, _ := json.Marshal([]any{r.Seq, r.ID, r.At, r.UserID, r.Username, r.OrgID, r.IP, r.Action,
		r.ObjectType, r.ObjectID, r.Result, r.Changes, r.Detail, r.PrevHash})
	return b
}

// mac is the entry's hash: HMAC-SHA256 of the canonical encoding under the audit key, so
// only a holder of the key can make an entry that verifies.
func (r *auditRow) mac(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(r.canonical())
	return hex.EncodeToString(m.Sum(nil))
}

// hash is the rule before migration 0012: plain SHA-256 of the canonical encoding, which
// anyone can recompute. Entries before the head's keyed_from are checked by it.
func (r *auditRow) hash() string {
	sum := sha256.Sum256(r.canonical())
	return hex.EncodeToString(sum[:])
}

// headMAC is the head row's MAC over where it points and where the keyed chain starts.
func headMAC(key []byte, seq int64, hash string, keyedFrom int64) string {
	b, _ := json.Marshal([]any{"audit_head", seq, hash, keyedFrom})
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
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

// RecordAnchor records that committee orgID reported the head h (SEQ:MAC) of its trail:
// the auditor above keeps the heads its committees report in its own keyed trail, so a
// committee's trail later rebuilt, cut or put back to an older copy is caught against a
// head kept outside it. Only an auditor, for a committee in scope (else NotFound).
func (db *DB) RecordAnchor(ctx context.Context, a *guangong.Actor, orgID string, h guangong.AuditHead) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if !a.Can(guangong.Role.CanReadAudit) {
			return &denial{err: guangong.Forbidden(), objectType: objOrg, objectID: orgID, detail: "record audit anchor"}
		}
		if _, err := guangong.ParseAuditHead("head", h.String()); err != nil {
			return err
		}
		o, err := scopedOrg(tx.ctx, tx, a, orgID, "record audit anchor")
		if err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionAnchor, objectType: objOrg, objectID: o.ID, orgID: o.ID,
			detail: fmt.Sprintf("%s 报告审计链头 %s (%s reported its audit head %s)", o.Name, h, o.Name, h)})
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
		var scope, page string // the scope condition of the count and of the page
		if !a.System {
			root, err := isRoot(ctx, q, a.OrgID)
			if err != nil {
				return err
			}
			org := args.add(a.OrgID)
			// The count reads the scope's ranges of audit_log_org. The page checks each entry
			// against the scope as it walks the trail newest first (or an index of the other
			// filters, all ending in seq), so it stops at the page's last entry instead of
			// sorting the scope's whole trail, as SQLite without statistics did.
			scope = `org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ` + org + `)`
			page = `EXISTS (SELECT 1 FROM org_closure c WHERE c.ancestor_id = ` + org + ` AND c.descendant_id = audit_log.org_id)`
			if root {
				scope, page = "("+scope+" OR org_id = '')", "("+page+" OR org_id = '')"
			}
		}
		var filters []string
		if f.Username != nil {
			filters = append(filters, "username = "+args.add(*f.Username))
		}
		if f.ObjectType != nil {
			filters = append(filters, "object_type = "+args.add(*f.ObjectType))
		}
		if f.ObjectID != nil {
			filters = append(filters, "object_id = "+args.add(*f.ObjectID))
		}
		if f.Action != nil {
			filters = append(filters, "action = "+args.add(*f.Action))
		}
		if f.From != nil {
			filters = append(filters, "at >= "+args.add(fmtTime(*f.From)))
		}
		if f.To != nil {
			filters = append(filters, "at < "+args.add(fmtTime(*f.To)))
		}
		if err := countInto(ctx, q, f.Page, &total, `SELECT COUNT(*) FROM audit_log`+where(append([]string{scope}, filters...)),
			args...); err != nil {
			return err
		}
		p := f.Page.Normalize()
		rows, err := q.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log`+where(append([]string{page}, filters...))+
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
// is the entry's MAC under the key, that the head names the last entry and carries its own
// MAC, and that an empty trail belongs to a database without committees or accounts. With
// at, the entry at at.Seq must also still have MAC at.MAC. It reports the first break.
func (db *DB) VerifyAudit(ctx context.Context, a *guangong.Actor, at *guangong.AuditHead) (*guangong.AuditVerification, error) {
	var v *guangong.AuditVerification
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadAudit) {
			return &denial{err: guangong.Forbidden(), objectType: objAudit, detail: "verify audit"}
		}
		if db.seal == nil {
			return errNoAuditKey
		}
		var err error
		v, err = verifyChain(ctx, q, db.seal.auditKey, at)
		return err
	})
	return v, err
}

// AuditHead reads the newest entry's seq and MAC for the auditor to record elsewhere. The
// head row's own MAC is checked; the chain is not (VerifyAudit returns the head it verified).
func (db *DB) AuditHead(ctx context.Context, a *guangong.Actor) (*guangong.AuditHead, error) {
	var h *guangong.AuditHead
	err := db.read(ctx, a, func(q querier) error {
		if !a.Can(guangong.Role.CanReadAudit) {
			return &denial{err: guangong.Forbidden(), objectType: objAudit, detail: "audit head"}
		}
		if db.seal == nil {
			return errNoAuditKey
		}
		head, err := readHead(ctx, q)
		if err != nil {
			return err
		}
		if head.seq > 0 && head.mac != headMAC(db.seal.auditKey, head.seq, head.hash, head.keyedFrom) {
			return errHeadForged()
		}
		h = &guangong.AuditHead{Seq: head.seq, MAC: head.hash}
		return nil
	})
	return h, err
}

// ErrWrongAuditKey answers CheckAuditKey: nothing in the trail verifies under the key.
var ErrWrongAuditKey = errors.New("sqlstore: the data key verifies neither the audit head nor the entry it names: it is not this database's key")

// CheckAuditKey tells whether the data key is this database's, before anything is written
// with it: an entry appended under another key would break the trail, and a field sealed
// under it could not be read back. The key is taken for the database's when the head row's
// MAC or that of the entry it names verifies under it; only when neither does (another
// database's key, or both rewritten) is the answer ErrWrongAuditKey. An empty trail, or one
// not yet keyed, says nothing either way: nil. A break elsewhere is for VerifyAudit.
func (db *DB) CheckAuditKey(ctx context.Context) error {
	if db.seal == nil {
		return errNoAuditKey
	}
	head, err := readHead(ctx, db.reader)
	if err != nil {
		return err
	}
	if head.seq == 0 || head.seq < head.keyedFrom || head.mac == headMAC(db.seal.auditKey, head.seq, head.hash, head.keyedFrom) {
		return nil
	}
	var r auditRow
	err = r.scan(db.reader.QueryRowContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq = $1`, head.seq))
	if noRows(err) {
		return nil
	} else if err != nil {
		return err
	}
	if r.Hash == r.mac(db.seal.auditKey) {
		return nil
	}
	return ErrWrongAuditKey
}

// errHeadForged answers a request for the head when the head row fails its MAC: a head
// not to record; verify says more.
func errHeadForged() error {
	return guangong.Errorf(guangong.ECONFLICT, "链头校验码不符，链头被移动或改写过：请先校验日志链",
		"The head's MAC does not match: the head was moved or rewritten. Verify the trail")
}

type chainHead struct {
	seq       int64
	hash, mac string
	keyedFrom int64
}

func readHead(ctx context.Context, q querier) (chainHead, error) {
	var h chainHead
	err := q.QueryRowContext(ctx, `SELECT seq, hash, mac, keyed_from FROM audit_head WHERE id = 1`).
		Scan(&h.seq, &h.hash, &h.mac, &h.keyedFrom)
	if err != nil {
		return h, fmt.Errorf("sqlstore: audit head (is the database migrated? guangong migrate, with the data key): %w", err)
	}
	return h, nil
}

func verifyChain(ctx context.Context, q querier, key []byte, at *guangong.AuditHead) (*guangong.AuditVerification, error) {
	// Read the head first and walk only up to it: entries appended meanwhile are not
	// part of this check, and head and entry commit together, so the head's entry exists.
	head, err := readHead(ctx, q)
	if err != nil {
		return nil, err
	}
	v := &guangong.AuditVerification{}
	broken := func(seq int64, id, reason string) (*guangong.AuditVerification, error) {
		v.BrokenSeq, v.BrokenID, v.Reason = seq, id, reason
		return v, nil
	}
	sum := func(r *auditRow) string {
		if r.Seq < head.keyedFrom {
			return r.hash()
		}
		return r.mac(key)
	}
	w, err := walkChain(ctx, q, head.seq, func(r *auditRow) (string, error) {
		if r.Hash != sum(r) {
			return "哈希与记录内容不符，记录被改动过 (hash does not match the entry's contents)", nil
		}
		if at != nil && r.Seq == at.Seq && r.Hash != at.MAC {
			return fmt.Sprintf("与记录的链头 %s 不符，该条或其前的记录被改写过 (does not match the recorded head %s: this entry or one before it was rewritten)", at, at), nil
		}
		return "", nil
	})
	if err != nil {
		return nil, err
	}
	v.Checked = w.checked
	if w.brokenReason != "" {
		return broken(w.brokenSeq, w.brokenID, w.brokenReason)
	}
	if w.last != head.seq {
		return broken(w.last+1, "", fmt.Sprintf("第%d至%d条记录缺失 (entries %d to %d are missing)", w.last+1, head.seq, w.last+1, head.seq))
	}
	if w.prev != head.hash {
		return broken(w.last, w.lastID, "链头与最后一条记录不符 (the head does not match the last entry)")
	}
	if head.seq == 0 {
		// A database's first committee and account are written with entries, so an empty
		// trail beside them was emptied.
		var n int
		if err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM orgs) + (SELECT COUNT(*) FROM users)`).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			return broken(1, "", "审计记录为空，但数据库中已有组织或账号：记录被清空过 (the trail is empty, but the database holds committees or accounts: the trail was emptied)")
		}
	} else if head.mac != headMAC(key, head.seq, head.hash, head.keyedFrom) {
		return broken(head.seq, w.lastID, "链头校验码不符：链头被移动或改写过 (the head's MAC does not match: the head was moved or rewritten)")
	}
	if at != nil && at.Seq > head.seq {
		return broken(at.Seq, "", fmt.Sprintf("审计链只到第%d条，已不含记录的链头 %s：其后的记录被截去 (the trail ends at entry %d and no longer holds the recorded head %s: entries were cut)", head.seq, at, head.seq, at))
	}
	v.OK = true
	v.Head = &guangong.AuditHead{Seq: head.seq, MAC: head.hash}
	return v, nil
}

// chainWalk is where walkChain stopped: the last intact entry, or the first broken one.
type chainWalk struct {
	last, checked int64
	prev, lastID  string

	brokenSeq    int64
	brokenID     string
	brokenReason string
}

// walkChain reads entries 1..headSeq in seq order, a page at a time (verifyPage), checking
// that seq runs without gaps and that each entry links to the one before; check judges the
// rest of each entry ("" for intact). It stops at the first break. check may write in q:
// each page is read in full before it is checked.
func walkChain(ctx context.Context, q querier, headSeq int64, check func(r *auditRow) (string, error)) (*chainWalk, error) {
	w := &chainWalk{}
	for {
		rows, err := q.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
			w.last, headSeq, verifyPage)
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
			if r.Seq != w.last+1 {
				w.brokenSeq, w.brokenID = w.last+1, r.ID
				w.brokenReason = fmt.Sprintf("第%d条记录缺失，其后是第%d条（即所列 id）(entry %d is missing; the id given is the next one, %d)", w.last+1, r.Seq, w.last+1, r.Seq)
				return w, nil
			}
			var reason string
			switch {
			case r.PrevHash != w.prev:
				reason = "与前一条的哈希链接不符 (previous-hash link does not match the entry before it)"
			default:
				if reason, err = check(r); err != nil {
					return nil, err
				}
			}
			if reason != "" {
				w.brokenSeq, w.brokenID, w.brokenReason = r.Seq, r.ID, reason
				return w, nil
			}
			w.last, w.prev, w.lastID = r.Seq, r.Hash, r.ID
			w.checked++
		}
		if len(page) < verifyPage {
			return w, nil
		}
	}
}

// rekeyAudit is migration 0012's step: it moves a trail kept by the SHA-256 rule onto the
// keyed chain. An empty trail has nothing to move. Otherwise the trail is first verified by
// the old rule; if it holds, every entry's hash is recomputed as its MAC (a page at a time,
// in this one transaction) and an entry records the re-key. If it does not hold, nothing is
// rewritten, so the evidence stays as found: the old entries keep the old rule (keyed_from
// moves past them), audit verify goes on reporting the break, and an entry records that the
// re-key was refused. Without the key a trail with entries cannot be moved, and the
// migration fails rather than leave a chain that new entries could not join.
func (tx *Tx) rekeyAudit() error {
	ctx := tx.ctx
	var head chainHead
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.seq, &head.hash); err != nil {
		return err
	}
	if head.seq == 0 {
		return nil
	}
	if tx.auditKey == nil {
		return fmt.Errorf("the audit trail's %d entries are to be re-keyed under the data key, and no data key is configured: open the database with its key", head.seq)
	}
	w, err := walkChain(ctx, tx, head.seq, func(r *auditRow) (string, error) {
		if r.Hash != r.hash() {
			return "哈希与记录内容不符 (hash does not match the entry's contents)", nil
		}
		return "", nil
	})
	if err != nil {
		return err
	}
	switch {
	case w.brokenReason != "":
	case w.last != head.seq:
		w.brokenSeq, w.brokenReason = w.last+1, fmt.Sprintf("第%d至%d条记录缺失 (entries %d to %d are missing)", w.last+1, head.seq, w.last+1, head.seq)
	case w.prev != head.hash:
		w.brokenSeq, w.brokenID, w.brokenReason = w.last, w.lastID, "链头与最后一条记录不符 (the head does not match the last entry)"
	}
	sys := guangong.SystemActor("migrate")
	if w.brokenReason != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET keyed_from = $1 WHERE id = 1`, head.seq+1); err != nil {
			return err
		}
		return tx.audit(sys, entry{action: guangong.ActionUpdate, result: guangong.ResultFailed, objectType: objAudit,
			detail: fmt.Sprintf("审计链未重新签名：按 SHA-256 校验在第%d条断裂（%s），第1至%d条保留原状待调查 "+
				"(audit chain NOT re-keyed: under SHA-256 it breaks at entry %d; entries 1 to %d are kept as found for investigation)",
				w.brokenSeq, w.brokenReason, head.seq, w.brokenSeq, head.seq)})
	}
	prev := ""
	if _, err := walkChain(ctx, tx, head.seq, func(r *auditRow) (string, error) {
		k := *r
		k.PrevHash = prev
		k.Hash = k.mac(tx.auditKey)
		if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3`, k.PrevHash, k.Hash, k.Seq); err != nil {
			return "", err
		}
		prev = k.Hash
		return "", nil
	}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1, keyed_from = 1 WHERE id = 1`, prev); err != nil {
		return err
	}
	return tx.audit(sys, entry{action: guangong.ActionUpdate, objectType: objAudit,
		detail: fmt.Sprintf("审计链已按数据密钥重新签名（按 SHA-256 校验完整的 %d 条）(audit chain re-keyed: %d entries verified under SHA-256)", w.checked, w.checked)})
}
