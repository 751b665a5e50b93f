package xlsx

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"guangong"
)

// HoursHeaders are the columns of the service-hours file for the national volunteer
// service system, in the words of the 民政部《志愿服务记录与证明出具办法》: who served
// (name, ID type, ID number), in what, when, where, doing what, for how long, recorded by
// whom, for which organiser.
var HoursHeaders = []string{"志愿者姓名", "证件类型", "证件号码", "服务项目", "服务日期", "服务地点", "服务内容",
	"服务时长（小时）", "记录人", "组织单位"}

func hoursRecord(r *guangong.HoursExportRow) []string {
	return []string{r.VolunteerName, r.IDType, r.IDNumber, r.Activity, r.ServedOn, r.Place, r.Content,
		guangong.FormatHours(r.Minutes), r.RecorderName, r.OrgName}
}

// ExportHours writes the rows as xlsx, every cell text, so ID numbers keep their digits.
func ExportHours(w io.Writer, rows []*guangong.HoursExportRow) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "志愿服务时长"
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
	widths := []float64{12, 12, 22, 24, 12, 18, 30, 14, 12, 20}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	cells := make([]any, len(HoursHeaders))
	for i, h := range HoursHeaders {
		cells[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for n, r := range rows {
		for i, v := range hoursRecord(r) {
			cells[i] = excelize.Cell{StyleID: st.text, Value: v}
		}
		name, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(name, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// ExportHoursCSV writes the rows as CSV in UTF-8 with a byte-order mark, which Excel and
// the national system's import both need to read Chinese correctly.
func ExportHoursCSV(w io.Writer, rows []*guangong.HoursExportRow) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(HoursHeaders); err != nil {
		return err
	}
	for _, r := range rows {
		rec := hoursRecord(r)
		for i, v := range rec {
			// A cell starting like a formula would run as one when the file is opened in Excel.
			if v != "" && strings.ContainsRune("=+@", rune(v[0])) {
				rec[i] = "'" + v
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
