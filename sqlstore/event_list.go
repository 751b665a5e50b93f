package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"time"

	"guangong"
)

// Lists of a subtree's meetings and activities: pages newest first and a month's calendar,
// both read from the organisers' index (event_orgs_org_day).

// subtreeRoot is the committee whose subtree a list covers: the one asked for (which must
// lie in scope) or the actor's own; "" for the system actor asking for everything.
func subtreeRoot(ctx context.Context, q querier, a *guangong.Actor, orgID *string, what string) (string, error) {
	if orgID != nil && *orgID != "" {
		if _, err := scopedOrg(ctx, q, a, *orgID, what); err != nil {
			return "", err
		}
		return *orgID, nil
	}
	if a.System {
		return "", nil
	}
	return a.OrgID, nil
}

// organisers is the FROM and the conditions over event_orgs eo of the organiser rows in
// root's subtree ("" for everything), with optional date bounds on the row's day (index
// event_orgs_org_day): what the calendar and the lists read.
func organisers(root, from, to string, toExclusive bool, args *args) (string, []string) {
	sql := ` FROM event_orgs eo`
	var conds []string
	if root != "" {
		sql += ` JOIN org_closure c ON c.descendant_id = eo.org_id`
		conds = append(conds, `c.ancestor_id = `+args.add(root))
	}
	if from != "" {
		conds = append(conds, `eo.starts_on >= `+args.add(from))
	}
	if to != "" {
		op := " <= "
		if toExclusive {
			op = " < "
		}
		conds = append(conds, `eo.starts_on`+op+args.add(to))
	}
	return sql, conds
}

// organisedIn is the condition that an event has an organiser row that organisers selects.
func organisedIn(root, from, to string, toExclusive bool, args *args) string {
	from, conds := organisers(root, from, to, toExclusive, args)
	return `e.id IN (SELECT eo.event_id` + from + where(conds) + `)`
}

// FindEvents lists events organised in a subtree, newest first, with the total for paging.
//
// The page comes from the organisers' index (event_orgs_org_day: committee, date, start
// time, event): the subtree's committees' ranges of the period are merged, newest first,
// and only the page's events are read. The total counts the same index entries. Filters on
// the event's own columns join each candidate's event, which a committee's year (dozens to
// a few thousand) affords.
func (db *DB) FindEvents(ctx context.Context, a *guangong.Actor, f guangong.EventFilter) ([]*guangong.Event, int, error) {
	var list []*guangong.Event
	var total int
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objEvent, "", "list events"); err != nil {
			return err
		}
		if err := f.Validate(); err != nil {
			return err
		}
		root, err := subtreeRoot(ctx, q, a, f.OrgID, "list events")
		if err != nil {
			return err
		}
		var args args
		from, conds := organisers(root, deref(f.From), deref(f.To), false, &args)
		var own []string // conditions on the event's columns
		for _, c := range []struct {
			col string
			v   *string
		}{{"type", f.Type}, {"kind", f.Kind}, {"category", f.Category}, {"subcategory", f.Subcategory}, {"status", f.Status}} {
			if c.v != nil && *c.v != "" {
				own = append(own, `e.`+c.col+` = `+args.add(*c.v))
			}
		}
		if f.Large != nil {
			own = append(own, `e.large = `+args.add(*f.Large))
		}
		if f.VolunteerID != nil && *f.VolunteerID != "" {
			conds = append(conds, `eo.event_id IN (SELECT ev.event_id FROM event_volunteers ev WHERE ev.volunteer_id = `+
				args.add(*f.VolunteerID)+`)`)
		}
		if len(own) > 0 {
			from += ` JOIN events e ON e.id = eo.event_id`
			conds = append(conds, own...)
		}
		w := from + where(conds)
		if lo, hi, ok := wholeMonths(f.From, f.To); ok && root != "" && len(own) == 0 && (f.VolunteerID == nil || *f.VolunteerID == "") {
			// Whole months of a subtree, unfiltered: the tallies hold the count.
			err = countInto(ctx, q, f.Page, &total, `SELECT COALESCE(SUM(n), 0) FROM tallies
				WHERE org_id = $1 AND metric = '`+tallyEventsListed+`' AND ym >= $2 AND ym <= $3`, root, lo, hi)
		} else {
			err = countInto(ctx, q, f.Page, &total, `SELECT COUNT(DISTINCT eo.event_id)`+w, args...)
		}
		if err != nil {
			return err
		}
		ids, err := pageOfEntries(ctx, q, w, args, f.Page.Normalize())
		if err != nil || len(ids) == 0 {
			list = []*guangong.Event{}
			return err
		}
		list, err = eventsIn(ctx, q, ids)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// pageOfEntries cuts a page of event ids from the organisers' entries that from (the
// FROM and WHERE of a list over event_orgs eo) selects, newest first. An event organised
// by two committees of the subtree has two entries, side by side in that order, so the
// repeats are dropped here rather than by a DISTINCT, which would sort every entry of the
// subtree's period; SQLite keeps only the first n of the ORDER BY instead. When repeats eat
// into the n entries read, it reads twice as many.
func pageOfEntries(ctx context.Context, q querier, from string, args []any, p guangong.Page) ([]string, error) {
	want := p.Offset + p.Limit
	for n := want; ; n *= 2 {
		entries, err := collect(ctx, q, `SELECT eo.event_id`+from+` ORDER BY eo.starts_at DESC, eo.event_id DESC LIMIT `+
			strconv.Itoa(n), args, scanString)
		if err != nil {
			return nil, err
		}
		ids := slices.Compact(entries)
		if len(ids) >= want || len(entries) < n {
			return ids[min(p.Offset, len(ids)):min(want, len(ids))], nil
		}
	}
}

// wholeMonths gives the tallies' year*100+month bounds of a list's period when it covers
// whole months: from empty or a month's first day, to empty or a month's last day.
func wholeMonths(from, to *string) (lo, hi int, ok bool) {
	lo, hi = 0, 999999
	if from != nil && *from != "" {
		d, err := time.Parse(guangong.DateLayout, *from)
		if err != nil || d.Day() != 1 {
			return 0, 0, false
		}
		lo = d.Year()*100 + int(d.Month())
	}
	if to != nil && *to != "" {
		d, err := time.Parse(guangong.DateLayout, *to)
		if err != nil || d.AddDate(0, 0, 1).Day() != 1 {
			return 0, 0, false
		}
		hi = d.Year()*100 + int(d.Month())
	}
	return lo, hi, true
}

// eventsIn reads the events ids names, newest first.
func eventsIn(ctx context.Context, q querier, ids []string) ([]*guangong.Event, error) {
	var in args
	return collect(ctx, q, `SELECT `+eventCols+eventFrom+` WHERE e.id IN `+inList(ids, &in)+
		` ORDER BY e.starts_at DESC, e.id DESC`, in, scanEvent)
}

// monthSpan reads YYYY-MM into its first day and the first day of the next month.
func monthSpan(month string) (from, to string, err error) {
	t, perr := time.Parse("2006-01", month)
	if perr != nil || t.Year() < 1900 || t.Year() > 2999 {
		return "", "", fieldErr("month", "月份格式应为 年-月，如 2025-06", "The month must look like 2025-06")
	}
	return t.Format(guangong.DateLayout), t.AddDate(0, 1, 0).Format(guangong.DateLayout), nil
}

// EventCalendar lists the events of a month organised in orgID's subtree (the actor's scope
// when orgID is ""), by start time: those starting in it, and those begun before it that run
// into it. An event lasts at most guangong.MaxEventDays, so both are one index range of
// event_orgs per committee, from that many days before the month.
func (db *DB) EventCalendar(ctx context.Context, a *guangong.Actor, orgID, month string) ([]*guangong.CalendarEntry, error) {
	var list []*guangong.CalendarEntry
	err := db.read(ctx, a, func(q querier) error {
		if err := canRead(a, objEvent, "", "event calendar"); err != nil {
			return err
		}
		from, to, err := monthSpan(month)
		if err != nil {
			return err
		}
		root, err := subtreeRoot(ctx, q, a, &orgID, "event calendar")
		if err != nil {
			return err
		}
		first, _ := time.ParseInLocation(guangong.DateLayout, from, guangong.Shanghai)
		var args args
		cond := organisedIn(root, first.AddDate(0, 0, -guangong.MaxEventDays).Format(guangong.DateLayout), to, true, &args) +
			` AND (e.starts_on >= ` + args.add(from) + ` OR e.ends_at > ` + args.add(fmtTime(first)) + `)`
		list, err = collect(ctx, q, `SELECT e.id, e.type, e.kind, e.category, e.subcategory, e.title, e.org_id,
			o.name, e.starts_at, e.ends_at, e.starts_on, e.status, e.large, e.headcount`+eventFrom+` WHERE `+cond+
			` ORDER BY e.starts_at, e.id LIMIT `+strconv.Itoa(guangong.MaxCalendarEntries), args, func(s scanner) (*guangong.CalendarEntry, error) {
			c := &guangong.CalendarEntry{}
			return c, s.Scan(&c.ID, &c.Type, &c.Kind, &c.Category, &c.Subcategory, &c.Title, &c.OrgID, &c.OrgName,
				timeCol{&c.StartsAt}, timeCol{&c.EndsAt}, &c.StartsOn, &c.Status, &c.Large, &c.Headcount)
		})
		return err
	})
	return list, err
}
