package xlsx

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"guangong"
)

var eHead = []string{"类型", "会议类别", "活动类别", "子类", "名称", "主办组织代码", "开始时间", "结束时间", "地点",
	"主持人", "状态", "规模", "服务青少年人数", "其他参加人数", "观众人数", "会议记录/活动成效", "协办组织代码"}

func checkE(t testing.TB, data []byte, filename string) ([]Row[*guangong.Event], []guangong.ImportProblem) {
	t.Helper()
	rows, problems, err := CheckEvents(bytes.NewReader(data), filename, "org-town", orgs, testNow, nil)
	if err != nil {
		t.Fatalf("CheckEvents: %v", err)
	}
	return rows, problems
}

func shanghai(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, guangong.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCheckEventsGoodRows(t *testing.T) {
	// An Excel date-time cell: excelize stores it as a serial number with a date format.
	cellTime := time.Date(2021, 4, 3, 8, 30, 0, 0, time.UTC)
	data := sheet(t, eHead,
		[]any{"示例", "推进会", "", "", "示例：会议", "", "2022-06-07 09:00", "", "", "", "", "", "", "", "", "", ""},
		[]any{"会议", "推进会", "", "", "2022年关工委工作推进会", "", "2022-06-07 07:00", "2022/6/7 9:30", "镇政府三楼会议室",
			"张某某", "已举行", "", "", "45", "", "部署下半年工作", ""},
		[]any{"活动", "", "文艺汇演", "", "重阳文艺汇演", "C001", cellTime, "", "村文化广场", "", "已归档", "大型",
			"20", "30", "500", "演出12个节目", "C002、C001"},
		[]any{"活动", "", "立德树人", "清明祭扫", "清明祭扫烈士墓", "C002", "2022-04-05", "", "", "", "", "", 60.0, "", "", "", ""},
	)
	rows, problems := checkE(t, data, "events.xlsx")
	if len(problems) != 0 {
		t.Fatalf("problems:\n%s", problemsText(problems))
	}
	if len(rows) != 3 || rows[0].Line != 3 || rows[2].Line != 5 {
		t.Fatalf("rows: %+v", rows)
	}
	m := rows[0].Record
	if m.Type != guangong.EventMeeting || m.Kind != "advance" || m.OrgID != "org-town" || m.Status != guangong.EventHeld ||
		!m.StartsAt.Equal(shanghai("2022-06-07 07:00")) || !m.EndsAt.Equal(shanghai("2022-06-07 09:30")) ||
		m.OthersCount != 45 || m.Minutes != "部署下半年工作" || m.Outcome != "" || m.Host != "张某某" {
		t.Errorf("meeting: %+v", m)
	}
	p := rows[1].Record
	if p.Type != guangong.EventActivity || p.Category != "performance" || p.Scale != "large" || p.Status != guangong.EventRecorded ||
		!p.StartsAt.Equal(shanghai("2021-04-03 08:30")) || !p.EndsAt.Equal(p.StartsAt) || p.OrgID != "org-village" ||
		p.YouthsServed != 20 || p.OthersCount != 30 || p.Audience != 500 || p.Outcome != "演出12个节目" || p.Minutes != "" ||
		!slices.Equal(p.CoOrgIDs, []string{"org-school"}) {
		t.Errorf("performance: %+v (co-organisers %v)", p, p.CoOrgIDs)
	}
	q := rows[2].Record
	if q.Subcategory != "qingming" || q.YouthsServed != 60 || !q.StartsAt.Equal(shanghai("2022-04-05 00:00")) ||
		!q.EndsAt.Equal(shanghai("2022-04-05 23:59")) {
		t.Errorf("qingming: %+v", q)
	}
}

func TestCheckEventsBadRows(t *testing.T) {
	n := 0
	row := func(cells map[string]string) []any {
		n++
		base := map[string]string{"类型": "会议", "会议类别": "推进会", "名称": "会议" + strconv.Itoa(n), "开始时间": "2022-06-07 07:00"}
		for k, v := range cells {
			base[k] = v
		}
		out := make([]any, len(eHead))
		for i, h := range eHead {
			out[i] = base[h]
		}
		return out
	}
	data := sheet(t, eHead,
		row(map[string]string{"类型": "讲座"}),                                                     // 2
		row(map[string]string{"会议类别": ""}),                                                     // 3
		row(map[string]string{"名称": "倒序", "结束时间": "2022-06-07 06:00"}),                         // 4
		row(map[string]string{"名称": "将来", "开始时间": "2026-06-02 09:00"}),                         // 5
		row(map[string]string{"名称": "计划", "状态": "计划"}),                                         // 6
		row(map[string]string{"名称": "外组织", "主办组织代码": "X999"}),                                  // 7
		row(map[string]string{"名称": "协办", "协办组织代码": "C001、Z123"}),                              // 8
		row(map[string]string{"名称": "人数", "其他参加人数": "-3", "服务青少年人数": "许多"}),                    // 9
		row(map[string]string{"类型": "活动", "会议类别": "", "活动类别": "帮教关爱", "子类": "护学", "名称": "子类"}), // 10
		row(map[string]string{"类型": "活动", "会议类别": "", "活动类别": "文艺汇演", "名称": "汇演"}),             // 11
		row(map[string]string{"名称": "时间", "开始时间": "6月7日上午"}),                                   // 12
		row(map[string]string{"名称": "推进会", "开始时间": "2022-06-07 15:00"}),                        // 13: same as 3? no: 3 is invalid
		row(map[string]string{"名称": "推进会", "开始时间": "2022-06-07 20:00"}),                        // 14: duplicates 13
		row(map[string]string{"名称": "推进会", "开始时间": "2022-06-08 20:00"}),                        // 15: another day
		row(map[string]string{"名称": "推进会", "开始时间": "2022-06-07 20:00", "主办组织代码": "C001"}),      // 16: another host
		row(map[string]string{"名称": "人数过多", "观众人数": "5", "其他参加人数": "100001"}),                  // 17
	)
	rows, problems := checkE(t, data, "bad.xlsx")
	var lines []int
	for _, r := range rows {
		lines = append(lines, r.Line)
	}
	// Row 2 is invalid (unknown type), row 13 stays valid and 14 repeats it.
	if !slices.Equal(lines, []int{13, 15, 16}) {
		t.Errorf("valid lines %v; problems:\n%s", lines, problemsText(problems))
	}
	want := []struct {
		row          int
		column, text string
	}{
		{2, "类型", "类型只能填：会议、活动"},
		{3, "会议类别", "请选择会议类别"},
		{4, "结束时间", "结束时间不能早于开始时间"},
		{5, "开始时间", "只能导入过去的会议或活动"},
		{6, "状态", "状态只能填：已举行、已归档"},
		{7, "主办组织代码", "组织代码「X999」不存在或不在您的管辖范围内"},
		{8, "协办组织代码", "组织代码「Z123」不存在或不在您的管辖范围内"},
		{9, "服务青少年人数", "服务青少年人数应为0到100000之间的整数"},
		{9, "其他参加人数", "其他参加人数应为0到100000之间的整数"},
		{10, "子类", "该活动类别下没有这个子类"},
		{11, "规模", "请选择汇演规模"},
		{12, "开始时间", "开始时间格式应为 年-月-日 时:分"},
		{14, "名称", "与第13行的主办组织、名称和开始日期相同"},
		{17, "其他参加人数", "其他参加人数应为0到100000之间的整数"},
	}
	for _, w := range want {
		found := false
		for _, p := range problems {
			found = found || p.Row == w.row && p.Column == w.column && strings.Contains(p.Message.Zh, w.text) && p.Message.En != ""
		}
		if !found {
			t.Errorf("no problem row %d %s %q in:\n%s", w.row, w.column, w.text, problemsText(problems))
		}
	}
	if n := CountRows(problems); n != 13 {
		t.Errorf("rows with problems: %d, want 13:\n%s", n, problemsText(problems))
	}
	// The value is quoted as found.
	for _, p := range problems {
		if p.Row == 9 && p.Column == "服务青少年人数" && p.Value != "许多" {
			t.Errorf("value %q", p.Value)
		}
	}
}

// A GBK CSV as WPS saves it: the Chinese words and titles come through intact.
func TestCheckEventsGBKCSV(t *testing.T) {
	text := csvText(
		[]string{"类型", "活动类别", "子类", "名称", "开始时间", "结束时间", "地点", "状态", "其他参加人数", "会议记录/活动成效"},
		[]string{"活动", "中心工作", "矛盾调解", "调解邻里纠纷", "2020/11/3 14:00", "2020/11/3 16:30", "大屋村村部", "已归档", "6", "两户握手言和"},
	)
	data, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := checkE(t, data, "活动.csv")
	if len(problems) != 0 || len(rows) != 1 {
		t.Fatalf("rows %d, problems:\n%s", len(rows), problemsText(problems))
	}
	e := rows[0].Record
	if e.Title != "调解邻里纠纷" || e.Place != "大屋村村部" || e.Outcome != "两户握手言和" || e.Category != "central" ||
		e.Subcategory != "mediation" || e.Status != guangong.EventRecorded || !e.EndsAt.Equal(shanghai("2020-11-03 16:30")) {
		t.Errorf("record: %+v", e)
	}
}

// The template's headers are the check's: the blank template reads as no data (its
// example row is skipped), and filled in it checks clean.
func TestEventTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := Template(&buf, Events); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"会议活动", "填写说明"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("会议活动")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], eHead) || !slices.Equal(Columns(Events), eHead) {
		t.Errorf("headers %v", rows[0])
	}
	if _, _, err := CheckEvents(bytes.NewReader(buf.Bytes()), "t.xlsx", "org-town", orgs, testNow, nil); guangong.ErrorCode(err) != guangong.EINVALID ||
		!strings.Contains(guangong.ErrorMsg(err).Zh, "没有数据") {
		t.Errorf("blank template: %v", err)
	}
	if err := f.SetSheetRow("会议活动", "A3", &[]any{"会议", "集中学习", "", "", "学习党的二十大精神", "", "2023-02-01 09:00"}); err != nil {
		t.Fatal(err)
	}
	var filled bytes.Buffer
	if err := f.Write(&filled); err != nil {
		t.Fatal(err)
	}
	got, problems := checkE(t, filled.Bytes(), "t.xlsx")
	if len(problems) != 0 || len(got) != 1 || got[0].Record.Kind != "study" {
		t.Errorf("rows %+v problems:\n%s", got, problemsText(problems))
	}
	help, _ := f.GetRows("填写说明")
	if !strings.Contains(strings.Join(help[0], ""), "会议活动导入模板") || len(help) < len(eHead)+8 {
		t.Errorf("help sheet: %v", help)
	}
}

func TestParseDateTime(t *testing.T) {
	for in, want := range map[string]string{
		"2022-06-07 07:00": "2022-06-07 07:00", "2022/6/7 7:00:59": "2022-06-07 07:00", "2022-06-07T19:05": "2022-06-07 19:05",
		"2022-06-07": "2022-06-07", "20220607": "2022-06-07", "2022年6月7日 8时30分": "2022-06-07 08:30", "2022.6.7 8点": "2022-06-07 08:00",
		"44719.2916666667": "2022-06-07 07:00", "44719": "2022-06-07",
		"2022-06-07 24:00": "", "2022-13-01 07:00": "", "明天": "", "2022-06-07 7:00:00:00": "", "12": "",
		// Excel's last day; its last seconds would round to the minute into the year 10000.
		"2958465.5": "9999-12-31 12:00", "2958465.9999": "",
	} {
		got, ok := parseDateTime(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseDateTime(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
