package xlsx

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"guangong"
)

// The sheet of past meetings and activities (会议活动): one event a row, the people import's
// check and report, written by the store's ImportEvents.

// CheckEvents reads an uploaded sheet of past meetings and activities and checks every row;
// see checkFile. orgByCode resolves the host's and the co-organisers' codes (in scope,
// active). Rows repeating an earlier row's host, title and start date are problems.
func CheckEvents(r io.Reader, filename string, defaultOrgID string, orgByCode func(code string) (string, bool),
	now time.Time, progress func(done, total int)) ([]Row[*guangong.Event], []guangong.ImportProblem, error) {
	return checkFile(r, filename, kindSpec[guangong.Event]{
		cols:      eventColumns,
		prepare:   prepareEvent,
		normalize: (*guangong.Event).Normalize,
		validate:  validateEvent,
		nameField: "title",
		dupFields: []string{"title", "orgId", "startsAt"},
		dupKey: func(e *guangong.Event) string {
			if e.Title == "" || e.OrgID == "" || e.StartsAt.IsZero() {
				return ""
			}
			return e.OrgID + "\x00" + e.Title + "\x00" + e.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout)
		},
		dupMsg: func(first int) guangong.Msg {
			return guangong.Msg{
				Zh: fmt.Sprintf("与第%d行的主办组织、名称和开始日期相同，可能重复登记", first),
				En: fmt.Sprintf("Same host committee, title and start date as row %d: possibly entered twice", first)}
		},
	}, defaultOrgID, orgByCode, now, progress)
}

// ImportedStatuses are the statuses a past record may have: a planned event is not past.
var ImportedStatuses = []string{guangong.EventHeld, guangong.EventRecorded}

// prepareEvent fills what an empty cell means: held; an end like the start (a date alone
// runs to the end of that day).
func prepareEvent(e *guangong.Event) {
	if e.Status == "" {
		e.Status = guangong.EventHeld
	}
	if e.EndsAt.IsZero() && !e.StartsAt.IsZero() {
		e.EndsAt = e.StartsAt
		if s := e.StartsAt.In(guangong.Shanghai); s.Hour() == 0 && s.Minute() == 0 {
			e.EndsAt = s.Add(24*time.Hour - time.Minute)
		}
	}
	if e.CoOrgIDs == nil {
		e.CoOrgIDs = []string{}
	}
}

// validateEvent is Event.Validate with the fields the sheet has no column for put on the
// columns that set them, so every message lands beside a cell.
func validateEvent(e *guangong.Event, now time.Time) error {
	err := e.Validate(now)
	fields := guangong.FieldErrors(err)
	if fields == nil {
		return err
	}
	future := slices.Contains(guangong.EventStatuses, e.Status) && !e.StartsAt.IsZero() &&
		e.StartsAt.In(guangong.Shanghai).Format(guangong.DateLayout) > now.In(guangong.Shanghai).Format(guangong.DateLayout)
	var v guangong.Validation
	for f, m := range fields {
		switch f {
		case "status":
			if future {
				f, m = "startsAt", guangong.Msg{Zh: "只能导入过去的会议或活动：开始日期不能晚于今天",
					En: "Only past meetings and activities can be imported: the start cannot be after today"}
			}
		case "endsAt":
			if e.StartsAt.IsZero() && e.EndsAt.IsZero() {
				continue // the end follows the start, whose cell has its own problem
			}
		case "outcome":
			f = "minutes"
		case "volunteerIds", "youthIds", "troupeId", "planItemId", "agenda", "decisions":
			f = "title" // never set by a sheet; kept visible all the same
		}
		v.Add(f, m.Zh, m.En)
	}
	return v.Err()
}

// subcategoryCodes is every category's subcategories, in the categories' order.
var subcategoryCodes = func() []string {
	var out []string
	for _, c := range guangong.ActivityCategories {
		out = append(out, guangong.ActivitySubcategories[c]...)
	}
	return out
}()

const (
	dateTimeHelp = "如 2022-06-07 07:00（也可写 2022/6/7 7:00，或用 Excel 的日期时间单元格）"
	countHelp    = "选填，0 到 100000 的整数；留空为 0"
)

// eventTime is how the date-time columns carry their value from the cell to the record.
const eventTimeLayout = "2006-01-02 15:04"

func setTime(t *time.Time, s string, end bool) {
	if s == "" {
		return
	}
	if len(s) == len(guangong.DateLayout) { // a date alone
		d, _ := time.ParseInLocation(guangong.DateLayout, s, guangong.Shanghai)
		if end {
			d = d.Add(24*time.Hour - time.Minute)
		}
		*t = d
		return
	}
	*t, _ = time.ParseInLocation(eventTimeLayout, s, guangong.Shanghai)
}

func getTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(guangong.Shanghai).Format(eventTimeLayout)
}

func count(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

var eventColumns = []column[guangong.Event]{
	{header: "类型", field: "type", required: true, kind: kCode, codes: guangong.EventTypes, width: 8, help: "必填，会议 或 活动", example: "会议",
		set: func(e *guangong.Event, c cell) { e.Type = c.s }, get: func(e *guangong.Event) string { return codeWord(e.Type) }},
	{header: "会议类别", field: "kind", kind: kCode, codes: guangong.MeetingKinds, width: 12, help: "会议必填；活动不填", example: "推进会",
		set: func(e *guangong.Event, c cell) { e.Kind = c.s }, get: func(e *guangong.Event) string { return codeWord(e.Kind) }},
	{header: "活动类别", field: "category", kind: kCode, codes: guangong.ActivityCategories, width: 12, help: "活动必填；会议不填", example: "",
		set: func(e *guangong.Event, c cell) { e.Category = c.s }, get: func(e *guangong.Event) string { return codeWord(e.Category) }},
	{header: "子类", field: "subcategory", kind: kCode, codes: subcategoryCodes, width: 12,
		help: "选填，须属于所填的活动类别：中心工作（疫情防控、城镇建设、环境卫生、矛盾调解），立德树人（宣讲、演讲、清明祭扫、主题教育），志愿服务（护学、护考、街长巡查、值守）", example: "",
		set: func(e *guangong.Event, c cell) { e.Subcategory = c.s }, get: func(e *guangong.Event) string { return codeWord(e.Subcategory) }},
	{header: "名称", field: "title", required: true, kind: kText, width: 28, help: "必填，最多100字", example: "示例：2022年关工委工作推进会",
		set: func(e *guangong.Event, c cell) { e.Title = c.s }, get: func(e *guangong.Event) string { return e.Title }},
	{header: "主办组织代码", field: "orgId", kind: kOrg, width: 16, help: "选填，主办关工委的组织代码（在组织页面可查）；留空则为导入时选择的组织", example: "",
		set: func(e *guangong.Event, c cell) { e.OrgID = c.s }},
	{header: "开始时间", field: "startsAt", required: true, kind: kDateTime, width: 18, help: "必填；" + dateTimeHelp + "；只填日期时从当天 0:00 算起", example: "2022-06-07 09:00",
		set: func(e *guangong.Event, c cell) { setTime(&e.StartsAt, c.s, false) }, get: func(e *guangong.Event) string { return getTime(e.StartsAt) }},
	{header: "结束时间", field: "endsAt", kind: kDateTime, width: 18, help: "选填；" + dateTimeHelp + "；只填日期时到当天 23:59；留空则与开始时间相同（只填了开始日期时到当天 23:59）", example: "2022-06-07 11:30",
		set: func(e *guangong.Event, c cell) { setTime(&e.EndsAt, c.s, true) }, get: func(e *guangong.Event) string { return getTime(e.EndsAt) }},
	{header: "地点", field: "place", kind: kText, width: 18, help: "选填，最多200字", example: "低庄镇政府三楼会议室",
		set: func(e *guangong.Event, c cell) { e.Place = c.s }, get: func(e *guangong.Event) string { return e.Place }},
	{header: "主持人", field: "host", kind: kText, width: 10, help: "选填，最多50字", example: "张某某",
		set: func(e *guangong.Event, c cell) { e.Host = c.s }, get: func(e *guangong.Event) string { return e.Host }},
	{header: "状态", field: "status", kind: kCode, codes: ImportedStatuses, width: 8, help: "已举行 或 已归档；留空为已举行。只导入过去的记录：今天以后的日期不能导入", example: "已举行",
		set: func(e *guangong.Event, c cell) { e.Status = c.s }, get: func(e *guangong.Event) string { return codeWord(e.Status) }},
	{header: "规模", field: "scale", kind: kCode, codes: guangong.PerformanceScales, width: 8, help: "文艺汇演必填：大型 或 小型；其他不填", example: "",
		set: func(e *guangong.Event, c cell) { e.Scale = c.s }, get: func(e *guangong.Event) string { return codeWord(e.Scale) }},
	{header: "服务青少年人数", field: "youthsServed", kind: kInt, width: 14, help: countHelp, example: "",
		set: func(e *guangong.Event, c cell) { e.YouthsServed = atoi(c.s) }, get: func(e *guangong.Event) string { return count(e.YouthsServed) }},
	{header: "其他参加人数", field: "othersCount", kind: kInt, width: 12, help: countHelp + "（参加的志愿者请在导入后于页面中关联）", example: "45",
		set: func(e *guangong.Event, c cell) { e.OthersCount = atoi(c.s) }, get: func(e *guangong.Event) string { return count(e.OthersCount) }},
	{header: "观众人数", field: "audience", kind: kInt, width: 10, help: "文艺汇演选填；" + countHelp, example: "",
		set: func(e *guangong.Event, c cell) { e.Audience = atoi(c.s) }, get: func(e *guangong.Event) string { return count(e.Audience) }},
	{header: "会议记录/活动成效", field: "minutes", kind: kText, width: 30, help: "选填，最多5000字；会议记作会议记录，活动记作活动成效", example: "传达县关工委工作会议精神，部署下半年工作",
		set: func(e *guangong.Event, c cell) { e.Minutes, e.Outcome = c.s, c.s },
		get: func(e *guangong.Event) string {
			if e.Type == guangong.EventActivity {
				return e.Outcome
			}
			return e.Minutes
		}},
	{header: "协办组织代码", field: "coOrgIds", kind: kOrgs, width: 20, help: "选填，协办关工委的组织代码，可填多个，用顿号（、）或逗号分隔", example: "",
		set: func(e *guangong.Event, c cell) { e.CoOrgIDs = c.list }},
}

// parseDateTime reads a date with an optional time of day into "YYYY-MM-DD HH:MM", or
// "YYYY-MM-DD" when no time is given: 2022-06-07 07:00, 2022/6/7 7:00:00, 2022年6月7日 7:00,
// 2022-06-07T07:00, and Excel's date-time serial numbers (44719.2916…).
func parseDateTime(s string) (string, bool) {
	if isSerial(s) || allDigits(s) && len(s) != 8 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 2100 || v >= 2958466 {
			return "", false
		}
		t, err := excelize.ExcelDateToTime(v, false)
		if err != nil {
			return "", false
		}
		// A serial's fraction is rarely a whole minute (0.2916666…): round to the nearest,
		// but not past 9999-12-31 23:59, the last minute a date of four digits can hold.
		if t = t.Round(time.Minute); t.Year() > 9999 {
			return "", false
		}
		if t.Hour() == 0 && t.Minute() == 0 && v == math.Trunc(v) {
			return t.Format(guangong.DateLayout), true
		}
		return t.Format(eventTimeLayout), true
	}
	datePart, timePart := s, ""
	if i := strings.IndexAny(s, " T"); i > 0 {
		datePart, timePart = s[:i], strings.TrimSpace(s[i+1:])
	}
	d, ok := parseDate(datePart)
	if !ok {
		return "", false
	}
	if timePart == "" {
		return d, true
	}
	timePart = strings.NewReplacer("：", ":", "时", ":", "点", ":", "分", "").Replace(timePart)
	parts := strings.Split(strings.TrimSuffix(timePart, ":"), ":")
	if len(parts) == 1 {
		parts = append(parts, "0")
	}
	if len(parts) > 3 {
		return "", false
	}
	var hm [3]int
	for i, p := range parts {
		if !allDigits(p) || len(p) > 2 {
			return "", false
		}
		hm[i] = atoi(p)
	}
	if hm[0] > 23 || hm[1] > 59 || hm[2] > 59 {
		return "", false
	}
	return fmt.Sprintf("%s %02d:%02d", d, hm[0], hm[1]), true
}

func dateTimeProblem(header, field string) guangong.Msg {
	return guangong.Msg{Zh: header + "格式应为 年-月-日 时:分，如 2022-06-07 07:00",
		En: fieldEn[field] + " must be a date and time like 2022-06-07 07:00"}
}

// parseCount reads a whole number of people; Excel may store it as 45 or 45.0.
func parseCount(s string) (string, bool) {
	if allDigits(s) && len(s) <= 9 {
		return s, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v != math.Trunc(v) || v > 1e9 {
		return "", false
	}
	return strconv.FormatFloat(v, 'f', 0, 64), true
}

func countProblem(header, field string) guangong.Msg {
	return guangong.Msg{Zh: fmt.Sprintf("%s应为0到%d之间的整数", header, guangong.MaxEventCount),
		En: fmt.Sprintf("%s must be a whole number from 0 to %d", fieldEn[field], guangong.MaxEventCount)}
}

// sameKey is duplicates for registers with one key (spec.dupKey): a later row whose key
// cells are sound and repeat an earlier row's is a problem on the first key column.
func (c *checker[T]) sameKey(line int, rec *T) {
	k := c.spec.dupKey(rec)
	if k == "" {
		return
	}
	for _, f := range c.dupCols {
		if c.bad[f] {
			return
		}
	}
	if first, ok := c.byKey[k]; ok {
		c.problem(line, c.dupCols[0], c.spec.dupMsg(first))
		return
	}
	if c.byKey == nil {
		c.byKey = map[string]int{}
	}
	c.byKey[k] = line
}

// orgsCell resolves a cell of several committee codes; an unknown one is the cell's problem.
func (c *checker[T]) orgsCell(line, col int, v string) []string {
	var ids []string
	for _, code := range splitList(v) {
		id := c.org(code)
		if id == "" {
			c.problem(line, col, orgProblem(code))
			return nil
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// eventNotes head the 填写说明 sheet of the events template.
var eventNotes = []string{
	"1. 请在“会议活动”工作表中从第3行起填写，每个会议或活动一行；不要修改第1行的列名，列的顺序可以调整，不需要的选填列可以删除。",
	"2. 红色列名为必填列。第2行是虚构的示例（名称以“示例”开头），导入时会自动跳过，可以保留也可以删除。",
	"3. 本模板用于补录过去的会议和活动：状态只能是“已举行”或“已归档”，开始日期不能晚于今天；计划中的会议活动请在系统中直接填写。",
	"4. 时间写成 2022-06-07 07:00 的形式（也接受 2022/6/7 7:00 和 Excel 的日期时间单元格）；只填日期也可以。",
	"5. 会议填“会议类别”，活动填“活动类别”（子类选填）；文艺汇演须填“规模”（大型或小型）。是否为大型会议活动由系统按上级设定的人数标准计算。",
	"6. 主办组织代码留空时，记入导入时选择的组织；协办组织代码可填多个，用顿号分隔。参加的五老志愿者请在导入后于会议活动页面中关联。",
	"7. 也可以另存为 CSV 上传（UTF-8 或 GBK/GB18030 编码均可）。上传后系统逐行检查（类别、时间、组织代码、文件内和系统内重复），列出每个问题所在的行、列和原因；在您确认之前不会保存任何数据。",
}
