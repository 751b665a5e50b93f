// Package xlsx reads and writes the people registers as spreadsheets: the downloadable
// templates, the check of an uploaded xlsx or CSV (UTF-8, GBK or GB18030) before anything is
// written, and the export of a list. The Chinese column headers are the contract with users:
// an export carries the template's headers, so it can be imported again.
package xlsx

import (
	"strings"

	"guangong"
)

// Kind is which register a sheet holds.
type Kind string

const (
	Volunteers Kind = "volunteer"
	Youths     Kind = "youth"
	Events     Kind = "event" // past meetings and activities
)

// valueKind says how a cell's text becomes a field value.
type valueKind int

const (
	kText     valueKind = iota // free text, trimmed
	kDate                      // a calendar date in any of the accepted spellings
	kCode                      // one coded value, written as its Chinese word
	kCodes                     // several coded values in one cell
	kBool                      // 是/否
	kID                        // resident ID number
	kPhone                     // phone; Excel may have made it a number
	kOrg                       // a committee code, resolved by the caller
	kOrgs                      // several committee codes
	kDateTime                  // a date with an optional time of day
	kInt                       // a whole number of people
)

// cell is a converted cell value; which part is used depends on the column's kind.
type cell struct {
	s    string
	list []string
	b    bool
}

// column describes one column of a register: its header, the domain field whose errors it
// carries, how its text is read, and how a record's value is written back for export.
type column[T any] struct {
	header   string
	field    string // the key of guangong's field errors
	required bool   // the header must be present in an uploaded file
	kind     valueKind
	codes    []string // for kCode and kCodes, in the order they are offered
	width    float64
	help     string // 填写说明
	example  string
	set      func(*T, cell)
	get      func(*T) string // the cell text for export (codes as Chinese words)
}

// Columns returns the Chinese headers of a kind's template, in order.
func Columns(kind Kind) []string {
	switch kind {
	case Volunteers:
		return headers(volunteerColumns)
	case Youths:
		return headers(youthColumns)
	case Events:
		return headers(eventColumns)
	}
	return nil
}

func headers[T any](cols []column[T]) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.header
	}
	return out
}

// Codes are the domain's strings; the guangong typed constants convert at the edges.
var (
	genderCodes   = []string{string(guangong.Male), string(guangong.Female)}
	categoryCodes = func() []string {
		out := make([]string, len(guangong.ElderCategories))
		for i, c := range guangong.ElderCategories {
			out[i] = string(c)
		}
		return out
	}()
)

// words turns codes into their Chinese words, joined by 、 (how a multi-valued cell is written).
func words(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = guangong.Label(c).Zh
	}
	return strings.Join(out, "、")
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

const (
	dateHelp  = "日期，如 2019-05-01（也可写 2019/5/1、2019.5.1、20190501）"
	idHelp    = "18位居民身份证号，末位可为X；请保持本列为文本格式，否则Excel会把号码变成数字而丢失末尾几位"
	phoneHelp = "11位手机号，或带区号的固定电话（如 0745-3221234）"
	multiHelp = "可填多项，用顿号、逗号、分号或空格分隔"
)

var volunteerColumns = []column[guangong.Volunteer]{
	{header: "姓名", field: "name", required: true, kind: kText, width: 12, help: "必填，最多50字", example: "示例：王建国",
		set: func(p *guangong.Volunteer, c cell) { p.Name = c.s }, get: func(p *guangong.Volunteer) string { return p.Name }},
	{header: "性别", field: "gender", required: true, kind: kCode, codes: genderCodes, width: 8, help: "必填", example: "男",
		set: func(p *guangong.Volunteer, c cell) { p.Gender = guangong.Gender(c.s) },
		get: func(p *guangong.Volunteer) string { return codeWord(string(p.Gender)) }},
	{header: "出生日期", field: "birthDate", required: true, kind: kDate, width: 12, help: "必填；" + dateHelp, example: "1952-03-15",
		set: func(p *guangong.Volunteer, c cell) { p.BirthDate = c.s }, get: func(p *guangong.Volunteer) string { return p.BirthDate }},
	{header: "身份证号", field: "idNumber", kind: kID, width: 22, help: "选填；" + idHelp, example: "431224195203150013",
		set: func(p *guangong.Volunteer, c cell) { p.IDNumber = c.s }, get: func(p *guangong.Volunteer) string { return p.IDNumber }},
	{header: "联系电话", field: "phone", kind: kPhone, width: 15, help: "选填；" + phoneHelp, example: "13800001111",
		set: func(p *guangong.Volunteer, c cell) { p.Phone = c.s }, get: func(p *guangong.Volunteer) string { return p.Phone }},
	{header: "五老类别", field: "category", required: true, kind: kCode, codes: categoryCodes, width: 10, help: "必填", example: "老教师",
		set: func(p *guangong.Volunteer, c cell) { p.Category = guangong.ElderCategory(c.s) },
		get: func(p *guangong.Volunteer) string { return codeWord(string(p.Category)) }},
	{header: "原工作单位", field: "formerUnit", kind: kText, width: 20, help: "选填，最多100字", example: "低庄镇中心小学",
		set: func(p *guangong.Volunteer, c cell) { p.FormerUnit = c.s }, get: func(p *guangong.Volunteer) string { return p.FormerUnit }},
	{header: "原职务", field: "formerPost", kind: kText, width: 12, help: "选填，最多50字", example: "校长",
		set: func(p *guangong.Volunteer, c cell) { p.FormerPost = c.s }, get: func(p *guangong.Volunteer) string { return p.FormerPost }},
	{header: "是否党员", field: "partyMember", kind: kBool, width: 10, help: "填 是 或 否（也可写 Y/N、1/0）；留空视为否", example: "是",
		set: func(p *guangong.Volunteer, c cell) { p.PartyMember = c.b }, get: func(p *guangong.Volunteer) string { return yesNo(p.PartyMember) }},
	{header: "所在党支部", field: "partyBranch", kind: kText, width: 20, help: "选填，仅党员填写，最多100字", example: "低庄镇离退休干部党支部",
		set: func(p *guangong.Volunteer, c cell) { p.PartyBranch = c.s }, get: func(p *guangong.Volunteer) string { return p.PartyBranch }},
	{header: "特长", field: "skills", kind: kCodes, codes: guangong.Skills, width: 18, help: "选填；" + multiHelp, example: "宣讲、学业辅导",
		set: func(p *guangong.Volunteer, c cell) { p.Skills = c.list }, get: func(p *guangong.Volunteer) string { return words(p.Skills) }},
	{header: "其他特长", field: "skillsOther", kind: kText, width: 14, help: "选填，列表中没有的特长写在这里，最多100字", example: "书法",
		set: func(p *guangong.Volunteer, c cell) { p.SkillsOther = c.s }, get: func(p *guangong.Volunteer) string { return p.SkillsOther }},
	{header: "健康状况", field: "health", kind: kText, width: 10, help: "选填，最多100字", example: "良好",
		set: func(p *guangong.Volunteer, c cell) { p.Health = c.s }, get: func(p *guangong.Volunteer) string { return p.Health }},
	{header: "可服务时间", field: "availability", kind: kText, width: 14, help: "选填，最多100字", example: "周末",
		set: func(p *guangong.Volunteer, c cell) { p.Availability = c.s }, get: func(p *guangong.Volunteer) string { return p.Availability }},
	{header: "状态", field: "status", kind: kCode, codes: guangong.VolunteerStatuses, width: 8, help: "留空视为在册", example: "在册",
		set: func(p *guangong.Volunteer, c cell) { p.Status = c.s }, get: func(p *guangong.Volunteer) string { return codeWord(p.Status) }},
	{header: "加入日期", field: "joinedDate", kind: kDate, width: 12, help: "选填；" + dateHelp, example: "2015-06-01",
		set: func(p *guangong.Volunteer, c cell) { p.JoinedDate = c.s }, get: func(p *guangong.Volunteer) string { return p.JoinedDate }},
	{header: "自愿登记日期", field: "consentDate", required: true, kind: kDate, width: 14, help: "必填，本人同意登记的日期；" + dateHelp, example: "2024-03-01",
		set: func(p *guangong.Volunteer, c cell) { p.ConsentDate = c.s }, get: func(p *guangong.Volunteer) string { return p.ConsentDate }},
	{header: "登记说明", field: "consentNote", kind: kText, width: 16, help: "选填，如 本人签字的登记表存档，最多200字", example: "本人签字登记表已存档",
		set: func(p *guangong.Volunteer, c cell) { p.ConsentNote = c.s }, get: func(p *guangong.Volunteer) string { return p.ConsentNote }},
	{header: "备注", field: "notes", kind: kText, width: 20, help: "选填，最多1000字", example: "",
		set: func(p *guangong.Volunteer, c cell) { p.Notes = c.s }, get: func(p *guangong.Volunteer) string { return p.Notes }},
	{header: "所属组织代码", field: "orgId", kind: kOrg, width: 16, help: "选填，关工委的组织代码（在组织页面可查）；留空则归入导入时选择的组织", example: "",
		set: func(p *guangong.Volunteer, c cell) { p.OrgID = c.s }},
}

var youthColumns = []column[guangong.Youth]{
	{header: "姓名", field: "name", required: true, kind: kText, width: 12, help: "必填，最多50字", example: "示例：李小明",
		set: func(y *guangong.Youth, c cell) { y.Name = c.s }, get: func(y *guangong.Youth) string { return y.Name }},
	{header: "性别", field: "gender", required: true, kind: kCode, codes: genderCodes, width: 8, help: "必填", example: "男",
		set: func(y *guangong.Youth, c cell) { y.Gender = guangong.Gender(c.s) },
		get: func(y *guangong.Youth) string { return codeWord(string(y.Gender)) }},
	{header: "出生日期", field: "birthDate", required: true, kind: kDate, width: 12, help: "必填；" + dateHelp, example: "2014-09-01",
		set: func(y *guangong.Youth, c cell) { y.BirthDate = c.s }, get: func(y *guangong.Youth) string { return y.BirthDate }},
	{header: "身份证号", field: "idNumber", kind: kID, width: 22, help: "选填；" + idHelp, example: "431224201409010014",
		set: func(y *guangong.Youth, c cell) { y.IDNumber = c.s }, get: func(y *guangong.Youth) string { return y.IDNumber }},
	{header: "学校", field: "school", kind: kText, width: 18, help: "选填，最多100字", example: "低庄镇中心小学",
		set: func(y *guangong.Youth, c cell) { y.School = c.s }, get: func(y *guangong.Youth) string { return y.School }},
	{header: "年级", field: "grade", kind: kText, width: 8, help: "选填，如 四年级，最多20字", example: "四年级",
		set: func(y *guangong.Youth, c cell) { y.Grade = c.s }, get: func(y *guangong.Youth) string { return y.Grade }},
	{header: "所在村（社区）或学校代码", field: "orgId", kind: kOrg, width: 16, help: "选填，所在村（社区）或学校关工委的组织代码；留空则归入导入时选择的组织", example: "",
		set: func(y *guangong.Youth, c cell) { y.OrgID = c.s }},
	{header: "监护人姓名", field: "guardianName", required: true, kind: kText, width: 12, help: "必填，最多50字", example: "李某某",
		set: func(y *guangong.Youth, c cell) { y.GuardianName = c.s }, get: func(y *guangong.Youth) string { return y.GuardianName }},
	{header: "与监护人关系", field: "guardianRelation", required: true, kind: kText, width: 12, help: "必填，如 祖父、母亲，最多20字", example: "祖父",
		set: func(y *guangong.Youth, c cell) { y.GuardianRelation = c.s }, get: func(y *guangong.Youth) string { return y.GuardianRelation }},
	{header: "监护人电话", field: "guardianPhone", kind: kPhone, width: 15, help: "选填；" + phoneHelp, example: "13900002222",
		set: func(y *guangong.Youth, c cell) { y.GuardianPhone = c.s }, get: func(y *guangong.Youth) string { return y.GuardianPhone }},
	{header: "父母务工地", field: "parentsWork", kind: kText, width: 16, help: "选填，最多100字", example: "广东省东莞市",
		set: func(y *guangong.Youth, c cell) { y.ParentsWork = c.s }, get: func(y *guangong.Youth) string { return y.ParentsWork }},
	{header: "类别", field: "categories", kind: kCodes, codes: guangong.YouthCategories, width: 22, help: "选填；" + multiHelp, example: "留守儿童",
		set: func(y *guangong.Youth, c cell) { y.Categories = c.list }, get: func(y *guangong.Youth) string { return words(y.Categories) }},
	{header: "需求", field: "needs", kind: kText, width: 20, help: "选填，最多500字", example: "数学辅导",
		set: func(y *guangong.Youth, c cell) { y.Needs = c.s }, get: func(y *guangong.Youth) string { return y.Needs }},
	{header: "备注", field: "notes", kind: kText, width: 20, help: "选填，最多1000字", example: "",
		set: func(y *guangong.Youth, c cell) { y.Notes = c.s }, get: func(y *guangong.Youth) string { return y.Notes }},
	{header: "同意人", field: "consentBy", required: true, kind: kText, width: 12, help: "必填，同意登记个人信息的监护人姓名", example: "李某某",
		set: func(y *guangong.Youth, c cell) { y.ConsentBy = c.s }, get: func(y *guangong.Youth) string { return y.ConsentBy }},
	{header: "同意人关系", field: "consentRelation", required: true, kind: kText, width: 12, help: "必填，同意人与孩子的关系", example: "祖父",
		set: func(y *guangong.Youth, c cell) { y.ConsentRelation = c.s }, get: func(y *guangong.Youth) string { return y.ConsentRelation }},
	{header: "同意日期", field: "consentDate", required: true, kind: kDate, width: 12, help: "必填；" + dateHelp, example: "2024-03-01",
		set: func(y *guangong.Youth, c cell) { y.ConsentDate = c.s }, get: func(y *guangong.Youth) string { return y.ConsentDate }},
	{header: "使用目的", field: "consentPurpose", required: true, kind: kText, width: 20, help: "必填，同意的使用目的，最多200字", example: "关爱帮扶结对",
		set: func(y *guangong.Youth, c cell) { y.ConsentPurpose = c.s }, get: func(y *guangong.Youth) string { return y.ConsentPurpose }},
}

func codeWord(code string) string {
	if code == "" {
		return ""
	}
	return guangong.Label(code).Zh
}
