package xlsx

import (
	"io"

	"github.com/xuri/excelize/v2"

	"guangong"
)

// orgNameHeader is the export's last column: the committee's name, for people reading the
// file. The import does not know it and ignores it; the code column carries the committee.
const orgNameHeader = "所属组织名称"

// ExportVolunteers writes the list as xlsx under the template's headers. Without reveal, ID
// numbers and phones are masked. The committee code column stays empty; see
// ExportVolunteersWithCodes.
func ExportVolunteers(w io.Writer, list []*guangong.Volunteer, reveal bool) error {
	return ExportVolunteersWithCodes(w, list, reveal, nil)
}

// ExportVolunteersWithCodes is ExportVolunteers with orgCode filling the 所属组织代码 column
// from each record's OrgID, so the export imports back into the same committees.
func ExportVolunteersWithCodes(w io.Writer, list []*guangong.Volunteer, reveal bool, orgCode func(orgID string) string) error {
	return export(w, Volunteers, volunteerColumns, list, orgCode, func(p *guangong.Volunteer) (*guangong.Volunteer, string, string) {
		c := *p
		if !reveal {
			c.Mask()
		}
		return &c, c.OrgID, c.OrgName
	})
}

// ExportYouths writes the list as xlsx under the template's headers. Without reveal, the
// child's name, the guardian's name and the consenting person's name, the ID number and the
// guardian's phone are masked (masking a record the store has already masked changes
// nothing). The free text is written as given: the store hides it from an account without
// 未成年人信息 access.
func ExportYouths(w io.Writer, list []*guangong.Youth, reveal bool) error {
	return ExportYouthsWithCodes(w, list, reveal, nil)
}

// ExportYouthsWithCodes is ExportYouths with orgCode filling the code column.
func ExportYouthsWithCodes(w io.Writer, list []*guangong.Youth, reveal bool, orgCode func(orgID string) string) error {
	return export(w, Youths, youthColumns, list, orgCode, func(y *guangong.Youth) (*guangong.Youth, string, string) {
		c := *y
		if !reveal {
			c.MaskIdentity()
		}
		return &c, c.OrgID, c.OrgName
	})
}

// export streams the rows through excelize's StreamWriter, so a long list is never held as
// a spreadsheet in memory. Every cell is text: dates stay YYYY-MM-DD and ID numbers keep
// their digits when the file is opened and saved again.
func export[T any](w io.Writer, kind Kind, cols []column[T], list []*T, orgCode func(string) string,
	prepare func(*T) (rec *T, orgID, orgName string)) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := sheetName(kind)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, col := range cols {
		if err := sw.SetColWidth(i+1, i+1, col.width); err != nil {
			return err
		}
	}
	if err := sw.SetColWidth(len(cols)+1, len(cols)+1, 24); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	row := make([]any, len(cols)+1)
	for i, col := range cols {
		style := st.header
		if col.required {
			style = st.required
		}
		row[i] = excelize.Cell{StyleID: style, Value: col.header}
	}
	row[len(cols)] = excelize.Cell{StyleID: st.header, Value: orgNameHeader}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	for n, item := range list {
		rec, orgID, orgName := prepare(item)
		for i, col := range cols {
			v := ""
			switch {
			case col.get != nil:
				v = col.get(rec)
			case col.kind == kOrg && orgCode != nil:
				v = orgCode(orgID)
			}
			row[i] = excelize.Cell{StyleID: st.text, Value: v}
		}
		row[len(cols)] = excelize.Cell{StyleID: st.text, Value: orgName}
		cellName, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cellName, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
