package xlsx

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"guangong"
)

// Sheet names of the templates and exports.
const (
	helpSheet = "填写说明"
	// textFormat is Excel's built-in "@" format: what is typed stays text, so an ID number
	// keeps its 18 digits and a date its spelling.
	textFormat = 49
	lastRow    = 1048576 // Excel's last row: validations cover the whole column
)

func sheetName(kind Kind) string {
	switch kind {
	case Youths:
		return "青少年"
	case Events:
		return "会议活动"
	}
	return "五老志愿者"
}

// Template writes the downloadable template of a kind: the headers (required ones in red),
// one example row marked 示例 that the import skips, dropdowns for the coded columns, text
// format for IDs, phones and dates, and a second sheet, 填写说明, explaining each column.
func Template(w io.Writer, kind Kind) error {
	switch kind {
	case Volunteers:
		return writeTemplate(w, kind, volunteerColumns)
	case Youths:
		return writeTemplate(w, kind, youthColumns)
	case Events:
		return writeTemplate(w, kind, eventColumns)
	}
	return guangong.Errorf(guangong.EINVALID, "未知的模板类型", "Unknown template kind")
}

func writeTemplate[T any](w io.Writer, kind Kind, cols []column[T]) error {
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
	for i, col := range cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, name, name, col.width); err != nil {
			return err
		}
		if col.kind == kID || col.kind == kPhone || col.kind == kDate || col.kind == kOrg || col.kind == kOrgs || col.kind == kDateTime {
			if err := f.SetColStyle(sheet, name, st.text); err != nil {
				return err
			}
		}
		head, _ := excelize.CoordinatesToCellName(i+1, 1)
		ex, _ := excelize.CoordinatesToCellName(i+1, 2)
		style := st.header
		if col.required {
			style = st.required
		}
		if err := f.SetCellStr(sheet, head, col.header); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, head, head, style); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, ex, col.example); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, ex, ex, st.example); err != nil {
			return err
		}
		if err := addValidation(f, sheet, name, col.header, col.kind, col.codes); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := writeHelp(f, st, kind, cols); err != nil {
		return err
	}
	return f.Write(w)
}

// addValidation gives a coded column its dropdown. A single choice refuses other words; a
// multi-valued column offers the words but lets several be typed, separated by 、.
func addValidation(f *excelize.File, sheet, col, header string, kind valueKind, codes []string) error {
	var words []string
	switch kind {
	case kCode, kCodes:
		for _, c := range codes {
			words = append(words, guangong.Label(c).Zh)
		}
	case kBool:
		words = []string{"是", "否"}
	default:
		return nil
	}
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(fmt.Sprintf("%s2:%s%d", col, col, lastRow))
	if err := dv.SetDropList(words); err != nil {
		return err
	}
	if kind == kCodes {
		dv.SetInput(header, "可从列表中选一项，也可填多项，用顿号（、）分隔")
	} else {
		dv.SetError(excelize.DataValidationErrorStyleStop, header, "请从下拉列表中选择："+strings.Join(words, "、"))
	}
	return f.AddDataValidation(sheet, dv)
}

type styles struct{ header, required, example, text, wrap, title int }

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}}
	border := []excelize.Border{{Type: "bottom", Color: "#808080", Style: 1}}
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: fill, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, NumFmt: textFormat}); err != nil {
		return s, err
	}
	if s.required, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "#C00000"}, Fill: fill, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, NumFmt: textFormat}); err != nil {
		return s, err
	}
	if s.example, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "#808080"}, NumFmt: textFormat}); err != nil {
		return s, err
	}
	if s.text, err = f.NewStyle(&excelize.Style{NumFmt: textFormat}); err != nil {
		return s, err
	}
	if s.wrap, err = f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return s, err
	}
	s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	return s, err
}

// writeHelp writes the 填写说明 sheet: general rules, then one row per column.
func writeHelp[T any](f *excelize.File, st styles, kind Kind, cols []column[T]) error {
	if _, err := f.NewSheet(helpSheet); err != nil {
		return err
	}
	title := sheetName(kind) + "导入模板 填写说明"
	notes := []string{
		"1. 请在“" + sheetName(kind) + "”工作表中从第3行起填写，每人一行；不要修改第1行的列名，列的顺序可以调整，不需要的选填列可以删除。",
		"2. 红色列名为必填列。第2行是虚构的示例（姓名以“示例”开头），导入时会自动跳过，可以保留也可以删除。",
		"3. 日期写成 2019-05-01 的形式（也接受 2019/5/1、2019.5.1、20190501 和 Excel 日期单元格）。",
		"4. 身份证号、电话和日期列已设为文本格式。从别处粘贴身份证号时请“选择性粘贴为文本”，否则 Excel 会把号码变成 4.31224E+17 这样的数字而丢失末尾几位。",
		"5. 也可以另存为 CSV 上传（UTF-8 或 WPS、旧版 Excel 默认的 GBK/GB18030 编码均可）。",
		"6. 上传后系统会逐行检查（身份证号校验位、电话、日期、类别、文件内和系统内重复），并列出每个问题所在的行、列和原因；在您确认之前不会保存任何数据。",
	}
	if kind == Events {
		notes = eventNotes
	}
	if kind == Youths {
		notes = append(notes, "7. 青少年信息属于未成年人个人信息，必须有监护人的同意记录（同意人、关系、日期、使用目的）；仅有“未成年人信息”权限的账号可以查看完整内容。")
	}
	if err := f.SetCellStr(helpSheet, "A1", title); err != nil {
		return err
	}
	if err := f.SetCellStyle(helpSheet, "A1", "A1", st.title); err != nil {
		return err
	}
	row := 2
	for _, n := range notes {
		cellName, _ := excelize.CoordinatesToCellName(1, row)
		if err := f.SetCellStr(helpSheet, cellName, n); err != nil {
			return err
		}
		if err := f.MergeCell(helpSheet, cellName, fmt.Sprintf("D%d", row)); err != nil {
			return err
		}
		if err := f.SetCellStyle(helpSheet, cellName, cellName, st.wrap); err != nil {
			return err
		}
		if err := f.SetRowHeight(helpSheet, row, 36); err != nil {
			return err
		}
		row++
	}
	row++
	if err := f.SetSheetRow(helpSheet, fmt.Sprintf("A%d", row), &[]any{"列名", "是否必填", "填写说明", "可选值"}); err != nil {
		return err
	}
	if err := f.SetCellStyle(helpSheet, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row), st.header); err != nil {
		return err
	}
	for _, col := range cols {
		row++
		need := "选填"
		if col.required {
			need = "必填"
		}
		values := ""
		switch col.kind {
		case kCode:
			values = words(col.codes)
		case kCodes:
			values = words(col.codes) + "（可多选）"
		case kBool:
			values = "是、否"
		}
		if err := f.SetSheetRow(helpSheet, fmt.Sprintf("A%d", row), &[]any{col.header, need, col.help, values}); err != nil {
			return err
		}
		if err := f.SetCellStyle(helpSheet, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row), st.wrap); err != nil {
			return err
		}
	}
	for col, width := range map[string]float64{"A": 24, "B": 10, "C": 60, "D": 40} {
		if err := f.SetColWidth(helpSheet, col, col, width); err != nil {
			return err
		}
	}
	return nil
}
