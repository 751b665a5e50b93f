package sqlstore

// Confirming, correcting and voiding service hours: the organiser's review of what was recorded.

import (
	"context"
	"strings"

	"guangong"
)

// ConfirmHours confirms recorded rows, each at the version it was read at, in one
// transaction. Only the organiser (a writer whose scope holds the record's committee) confirms.
func (db *DB) ConfirmHours(ctx context.Context, a *guangong.Actor, refs []guangong.VersionRef) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objHours, "", "", "confirm hours"); err != nil {
			return err
		}
		if len(refs) == 0 {
			return fieldErr("ids", "请选择要确认的记录", "Choose the records to confirm")
		}
		if len(refs) > guangong.MaxHoursBatch {
			return fieldErr("ids", "一次最多确认500条", "At most 500 records at once")
		}
		// Every record is checked before any is locked for the figures or changed.
		hs := make([]*guangong.ServiceHours, len(refs))
		ids := make([]string, len(refs))
		for i, ref := range refs {
			h, err := organisedHours(ctx, tx, a, ref.ID, "confirm hours")
			if err != nil {
				return err
			}
			if h.Status != guangong.HoursRecorded {
				return guangong.Errorf(guangong.EINVALID, "只有待确认的记录可以确认（%s %s）", "Only records awaiting confirmation can be confirmed (%s %s)",
					h.VolunteerName, h.ServedOn)
			}
			if h.Version != ref.Version {
				return guangong.Stale()
			}
			hs[i], ids[i] = h, h.ID
		}
		if err := tx.untally(tallyHours, ids...); err != nil {
			return err
		}
		for i, h := range hs {
			res, err := tx.ExecContext(ctx, `UPDATE service_hours SET status = $1, confirmed_by = $2, confirmed_at = $3,
				version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5`,
				guangong.HoursConfirmed, a.UserID, fmtTime(tx.now), h.ID, refs[i].Version)
			if err != nil {
				return err
			}
			if err := oneRow(res); err != nil {
				return err
			}
			if err := tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objHours, objectID: h.ID, orgID: h.OrgID,
				changes: []guangong.Change{{Field: "status", Before: h.Status, After: guangong.HoursConfirmed}}, detail: "confirm"}); err != nil {
				return err
			}
		}
		return tx.retally(tallyHours, ids...)
	})
}

// live checks a record may still be corrected or voided, at the version given.
func live(h *guangong.ServiceHours, version int) error {
	if h.Status != guangong.HoursRecorded && h.Status != guangong.HoursConfirmed {
		return guangong.Errorf(guangong.EINVALID, "该记录已被更正或作废，不能再修改", "This record was corrected or voided and cannot change")
	}
	if h.Version != version {
		return guangong.Stale()
	}
	return nil
}

func checkReason(reason string) error {
	var v guangong.Validation
	v.Text("reason", "原因", "Reason", reason, true, 200)
	return v.Err()
}

// CorrectHours replaces a record by a new one that supersedes it: the old row becomes
// superseded (never edited otherwise), the new one carries the reason. A correction of a
// confirmed record is the organiser's and stays confirmed; of a recorded one, stays recorded.
func (db *DB) CorrectHours(ctx context.Context, a *guangong.Actor, id string, c guangong.HoursCorrection) (*guangong.ServiceHours, error) {
	var nh *guangong.ServiceHours
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objHours, id, "", "correct hours"); err != nil {
			return err
		}
		old, err := organisedHours(ctx, tx, a, id, "correct hours")
		if err != nil {
			return err
		}
		if err := live(old, c.Version); err != nil {
			return err
		}
		n := *old
		n.ServedOn, n.Minutes, n.Place, n.Content, n.Reason = c.ServedOn, c.Minutes, c.Place, c.Content, c.Reason
		n.Normalize()
		var v guangong.Validation
		if err := n.Validate(tx.now); err != nil {
			for k, m := range guangong.FieldErrors(err) {
				v.Add(k, m.Zh, m.En)
			}
		}
		if err := checkReason(n.Reason); err != nil {
			v.Add("reason", guangong.FieldErrors(err)["reason"].Zh, guangong.FieldErrors(err)["reason"].En)
		}
		if err := v.Err(); err != nil {
			return err
		}
		f, err := frame(ctx, tx, a, n.EventID, n.ShiftID, "correct hours")
		if err != nil {
			return err
		}
		if f != nil {
			if err := f.apply(&n.OrgID, n.ServedOn); err != nil {
				return err
			}
			if n.Minutes > f.length {
				return f.over("minutes")
			}
		}
		if dup, err := duplicateHours(ctx, tx, &n, old.ID); err != nil {
			return err
		} else if dup {
			return duplicateErr("servedOn")
		}
		name, err := recorderName(ctx, tx, a)
		if err != nil {
			return err
		}
		newHours(tx, a, &n, name)
		n.Supersedes = old.ID
		if old.Status == guangong.HoursConfirmed {
			n.Status, n.ConfirmedBy = guangong.HoursConfirmed, a.UserID
		}
		if err := tx.untally(tallyHours, old.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE service_hours SET status = $1, superseded_by = $2, version = version + 1,
			updated_at = $3 WHERE id = $4 AND version = $5`, guangong.HoursSuperseded, n.ID, fmtTime(tx.now), old.ID, c.Version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		if err := tx.retally(tallyHours, old.ID); err != nil {
			return err
		}
		if err := insertHours(tx, a, &n, "corrects "+old.ID); err != nil {
			return err
		}
		nh = &n
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objHours, objectID: old.ID, orgID: old.OrgID,
			changes: []guangong.Change{{Field: "status", Before: old.Status, After: guangong.HoursSuperseded},
				{Field: "supersededBy", After: n.ID}}, detail: "reason: " + n.Reason})
	})
	return nh, err
}

// VoidHours withdraws a record with a reason; the row stays, marked void.
func (db *DB) VoidHours(ctx context.Context, a *guangong.Actor, id string, version int, reason string) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objHours, id, "", "void hours"); err != nil {
			return err
		}
		h, err := organisedHours(ctx, tx, a, id, "void hours")
		if err != nil {
			return err
		}
		if err := live(h, version); err != nil {
			return err
		}
		reason = strings.TrimSpace(reason)
		if err := checkReason(reason); err != nil {
			return err
		}
		if err := tx.untally(tallyHours, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE service_hours SET status = $1, reason = $2, version = version + 1,
			updated_at = $3 WHERE id = $4 AND version = $5`, guangong.HoursVoid, reason, fmtTime(tx.now), id, version)
		if err != nil {
			return err
		}
		if err := oneRow(res); err != nil {
			return err
		}
		if err := tx.retally(tallyHours, id); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionUpdate, objectType: objHours, objectID: id, orgID: h.OrgID,
			changes: []guangong.Change{{Field: "status", Before: h.Status, After: guangong.HoursVoid},
				{Field: "reason", Before: h.Reason, After: reason}}})
	})
}
