package importer

import (
	"context"
	"slices"

	"guangong"
	"guangong/xlsx"
)

// Past meetings and activities: the parts of a check and a commit that differ from the
// people registers'.

// matchEvents leaves out, with a problem each, the rows whose organisers have been
// dissolved (the sheet names them by code; the store would refuse them) and the rows that
// repeat a stored event: the same host, title and start date.
func (r *Runner) matchEvents(ctx context.Context, a *guangong.Actor, res *result) error {
	dissolved := map[string]*guangong.Org{} // id -> the org if dissolved, nil if active
	orgOf := func(id string) (*guangong.Org, error) {
		if o, ok := dissolved[id]; ok {
			return o, nil
		}
		o, err := r.Store.FindOrgByRef(ctx, a, id)
		if err != nil {
			return nil, err
		}
		if o.Status == guangong.OrgActive {
			o = nil
		}
		dissolved[id] = o
		return o, nil
	}
	keys := make([]guangong.EventKey, 0, len(res.events))
	for _, row := range res.events {
		e := row.Record
		bad := false
		for i, id := range append([]string{e.OrgID}, e.CoOrgIDs...) {
			o, err := orgOf(id)
			if err != nil {
				return err
			}
			if o == nil {
				continue
			}
			col := column(string(xlsx.Events), "主办组织代码")
			if i > 0 {
				col = column(string(xlsx.Events), "协办组织代码")
			}
			res.problems = append(res.problems, guangong.ImportProblem{Row: row.Line, Column: col, Value: o.Code,
				Message: guangong.Msg{Zh: "组织“" + o.Name + "”已撤销，不能再记入会议活动", En: "The committee " + o.Name + " is dissolved"}})
			bad = true
			break
		}
		if bad {
			res.existing[row.Line] = true
			continue
		}
		keys = append(keys, guangong.EventKey{Row: row.Line, OrgID: e.OrgID, Title: e.Title,
			StartsOn: e.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout)})
	}
	for batch := range slices.Chunk(keys, matchBatch) {
		matches, err := r.Store.MatchEvents(ctx, a, batch)
		if err != nil {
			return err
		}
		for _, m := range matches {
			if res.existing[m.Row] {
				continue
			}
			res.existing[m.Row] = true
			title := ""
			if i := slices.IndexFunc(batch, func(k guangong.EventKey) bool { return k.Row == m.Row }); i >= 0 {
				title = batch[i].Title
			}
			res.problems = append(res.problems, guangong.ImportProblem{Row: m.Row, Column: column(string(xlsx.Events), "名称"),
				Value: title, Message: guangong.Msg{Zh: "与已有会议活动重复（主办组织、名称和开始日期相同）",
					En: "Duplicates a stored meeting or activity (same host, title and start date)"}})
		}
	}
	return nil
}

// writeEvents writes the rows still valid, in one transaction.
func (r *Runner) writeEvents(ctx context.Context, a *guangong.Actor, res *result) (int, error) {
	var rows []*guangong.Event
	for _, row := range res.events {
		if !res.existing[row.Line] {
			rows = append(rows, row.Record)
		}
	}
	if len(rows) == 0 {
		return 0, nothingValid()
	}
	return len(rows), r.Store.ImportEvents(ctx, a, rows)
}
