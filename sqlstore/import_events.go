package sqlstore

import (
	"context"
	"errors"
	"strings"

	"guangong"
)

// Past meetings and activities from an import sheet (guangong.EventImportService).

// ImportEvents checks every row as CreateEvent does (its own fields, the organisers and
// people in scope, the large flag by the rule in force) and writes them all, with an audit
// entry each, in one transaction; if any row fails nothing is written. Field errors are
// keyed "rows[i].field" as for ImportVolunteers.
func (db *DB) ImportEvents(ctx context.Context, a *guangong.Actor, rows []*guangong.Event) error {
	err := db.write(ctx, a, func(tx *Tx) error {
		if err := canWrite(a, objEvent, "", "", "import events"); err != nil {
			return err
		}
		if err := db.bulkCache(tx); err != nil {
			return err
		}
		var errs rowErrors
		for i, e := range rows {
			e.Normalize()
			if err := e.Validate(tx.now); err != nil {
				if err := errs.add(i, err); err != nil {
					return err
				}
				continue
			}
			if err := db.checkEventRefs(ctx, tx, a, e, nil); err != nil {
				// A committee or person outside scope is a denial: abort, audited, naming the row.
				var d *denial
				if errors.As(err, &d) {
					var one rowErrors
					if aerr := one.add(i, d.err); aerr != nil {
						return aerr
					}
					d.err = one.err()
					return d
				}
				if err := errs.add(i, err); err != nil {
					return err
				}
			}
		}
		if err := errs.err(); err != nil {
			return err
		}
		for _, e := range rows {
			if err := tx.insertEvent(a, e, "import"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, e := range rows {
			e.ID = ""
		}
	}
	return err
}

// MatchEvents finds stored events in scope hosted by the same committee, with the same
// title, starting on the same Shanghai date: per host, a few index ranges of
// events_org_day, not one query per row.
func (db *DB) MatchEvents(ctx context.Context, a *guangong.Actor, keys []guangong.EventKey) ([]guangong.Match, error) {
	matches := []guangong.Match{}
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objEvent, "", "match events"); err != nil {
			return err
		}
		days := map[string][]string{} // host -> distinct dates, in the order met
		seen := map[[2]string]bool{}
		for _, k := range keys {
			if k.OrgID == "" || k.StartsOn == "" || strings.TrimSpace(k.Title) == "" {
				continue
			}
			if d := [2]string{k.OrgID, k.StartsOn}; !seen[d] {
				seen[d] = true
				days[k.OrgID] = append(days[k.OrgID], k.StartsOn)
			}
		}
		stored := map[[3]string][]string{} // host, title, date -> event ids
		for org, list := range days {
			for start := 0; start < len(list); start += matchBatch {
				chunk := list[start:min(start+matchBatch, len(list))]
				var args args
				conds := []string{`e.org_id = ` + args.add(org), `e.starts_on IN ` + inList(chunk, &args),
					scopeCond(a, "e.org_id", &args)}
				rows, err := q.QueryContext(ctx, `SELECT e.id, e.title, e.starts_on FROM events e`+where(conds), args...)
				if err != nil {
					return err
				}
				for rows.Next() {
					var id, title, day string
					if err := rows.Scan(&id, &title, &day); err != nil {
						rows.Close()
						return err
					}
					k := [3]string{org, title, day}
					stored[k] = append(stored[k], id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
		}
		for _, k := range keys {
			for _, id := range stored[[3]string{k.OrgID, strings.TrimSpace(k.Title), k.StartsOn}] {
				matches = append(matches, guangong.Match{Row: k.Row, ExistingID: id, Reason: "host_title_date"})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return matches, nil
}
