package sqlstore

// Photos and scanned sign-in sheets attached to an event.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"guangong"
)

// DeleteAttachment removes one attachment of an event the actor may write.
func (db *DB) DeleteAttachment(ctx context.Context, a *guangong.Actor, eventID, id string) error {
	return db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objAttachment, id, "", "delete attachment"); err != nil {
			return err
		}
		e, err := scopedEvent(ctx, tx, a, eventID, true, "delete attachment")
		if err != nil {
			return err
		}
		var name, sum string
		err = tx.QueryRowContext(ctx, `SELECT name, sha256 FROM attachments WHERE id = $1 AND event_id = $2`, id, eventID).Scan(&name, &sum)
		if noRows(err) {
			return missing(attachmentNotFound(), objAttachment, id, "delete attachment")
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1`, id); err != nil {
			return err
		}
		return tx.audit(a, entry{action: guangong.ActionDelete, objectType: objAttachment, objectID: id, orgID: e.OrgID,
			changes: removed([][2]string{{"eventId", eventID}, {"name", name}, {"sha256", sum}})})
	})
}

// insertAttachment stores one checked file of e, with its audit entry.
func (tx *Tx) insertAttachment(a *guangong.Actor, e *guangong.Event, f guangong.Upload, mime string) (*guangong.Attachment, error) {
	sum := sha256.Sum256(f.Data)
	t := &guangong.Attachment{ID: guangong.NewID(), EventID: e.ID, Name: f.Name, MIME: mime, Size: len(f.Data),
		SHA256: hex.EncodeToString(sum[:]), CreatedBy: a.Username, CreatedAt: tx.now}
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO attachments (id, event_id, name, mime, size, sha256, data,
		created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, t.ID, t.EventID, t.Name, t.MIME, t.Size,
		t.SHA256, base64.StdEncoding.EncodeToString(f.Data), t.CreatedBy, fmtTime(tx.now)); err != nil {
		return nil, err
	}
	return t, tx.audit(a, entry{action: guangong.ActionCreate, objectType: objAttachment, objectID: t.ID, orgID: e.OrgID,
		changes: diff(nil, [][2]string{{"eventId", e.ID}, {"name", t.Name}, {"mime", t.MIME}, {"size", itoa(t.Size)},
			{"sha256", t.SHA256}})})
}

// AddAttachment adds a photo or scanned sheet to an event the actor may write.
func (db *DB) AddAttachment(ctx context.Context, a *guangong.Actor, eventID string, f guangong.Upload) (*guangong.Attachment, error) {
	var t *guangong.Attachment
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objAttachment, "", "", "add attachment"); err != nil {
			return err
		}
		e, err := scopedEvent(ctx, tx, a, eventID, true, "add attachment")
		if err != nil {
			return err
		}
		clean, mimes, err := checkFiles([]guangong.Upload{f})
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM attachments WHERE event_id = $1`, eventID).Scan(&n); err != nil {
			return err
		}
		if n >= guangong.MaxAttachments {
			return fieldErr("file", "每个会议或活动最多"+itoa(guangong.MaxAttachments)+"个附件",
				"An event holds at most "+itoa(guangong.MaxAttachments)+" attachments")
		}
		t, err = tx.insertAttachment(a, e, clean[0], mimes[0])
		return err
	})
	return t, err
}

// AttachmentData returns an attachment of a readable event with its bytes.
func (db *DB) AttachmentData(ctx context.Context, a *guangong.Actor, eventID, id string) (*guangong.Attachment, []byte, error) {
	var t *guangong.Attachment
	var data []byte
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objAttachment, id, "read attachment"); err != nil {
			return err
		}
		if _, err := scopedEvent(ctx, q, a, eventID, false, "read attachment"); err != nil {
			return err
		}
		t = &guangong.Attachment{}
		var b64 string
		err := q.QueryRowContext(ctx, `SELECT id, event_id, name, mime, size, sha256, created_by, created_at, data
			FROM attachments WHERE id = $1 AND event_id = $2`, id, eventID).Scan(&t.ID, &t.EventID, &t.Name, &t.MIME,
			&t.Size, &t.SHA256, &t.CreatedBy, timeCol{&t.CreatedAt}, &b64)
		if noRows(err) {
			return missing(attachmentNotFound(), objAttachment, id, "read attachment")
		} else if err != nil {
			return err
		}
		data, err = base64.StdEncoding.DecodeString(b64)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return t, data, nil
}
