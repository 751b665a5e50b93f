package guangong

// Labels gives the Chinese and English names of the coded values people choose from; the
// Excel templates and the pages use the same words.
var Labels = map[string]Msg{
	"male": {"男", "Male"}, "female": {"女", "Female"},
	"cadre": {"老干部", "Retired cadre"}, "veteran": {"老战士", "Veteran"}, "expert": {"老专家", "Retired expert"},
	"teacher": {"老教师", "Retired teacher"}, "model": {"老模范", "Model worker"},
	"lecture": {"宣讲", "Lectures"}, "tutoring": {"学业辅导", "Tutoring"}, "arts": {"文艺", "Arts"},
	"law": {"法律", "Law"}, "medical": {"医疗", "Medical"}, "sports": {"体育", "Sports"}, "other": {"其他", "Other"},
	"active": {"在册", "Active"}, "inactive": {"暂停", "Inactive"}, "deceased": {"已故", "Deceased"},
	"left_behind": {"留守儿童", "Left-behind child"}, "poverty": {"困境儿童（家庭贫困）", "In difficulty (poverty)"},
	"disability": {"困境儿童（残疾）", "In difficulty (disability)"}, "no_guardian": {"困境儿童（监护缺失）", "In difficulty (lack of guardianship)"},
	"single_parent": {"单亲", "Single parent"}, "orphan": {"孤儿", "Orphan"},
	"director": {"主任", "Director"}, "executive_deputy": {"常务副主任", "Executive deputy director"},
	"deputy": {"副主任", "Deputy director"}, "secretary_general": {"秘书长", "Secretary-general"}, "member": {"委员", "Member"},
	"party_branch": {"离退休干部党支部", "Retired cadres' party branch"}, "elder_school": {"老年学校", "School for the elderly"},
	"elder_science": {"老科协", "Elderly science association"}, "elder_health": {"老健协", "Elderly health association"},
	// Duty posts and how a place on a shift was filled.
	"street": {"街长", "Street chief"}, "duty_group": {"值班组", "Duty group"}, "school_gate": {"护学岗", "School-gate guard"},
	"exam": {"护考", "Exam-day traffic"}, "signup": {"本人报名", "Signed up"}, "assigned": {"安排", "Assigned"},
	// Events: meetings, activities, their statuses and scales, art troupes ("lecture" and "other" above serve too).
	"meeting": {"会议", "Meeting"}, "activity": {"活动", "Activity"},
	"advance": {"推进会", "Progress meeting"}, "commendation": {"总结表彰会", "Review and commendation meeting"},
	"study": {"集中学习", "Study session"}, "forum": {"座谈会", "Forum"}, "leadership": {"班子会", "Leadership meeting"},
	"central": {"中心工作", "Central work"}, "epidemic": {"疫情防控", "Epidemic control"}, "urban": {"城镇建设", "Urban development"},
	"sanitation": {"环境卫生", "Sanitation"}, "mediation": {"矛盾调解", "Dispute mediation"},
	"moral": {"立德树人", "Moral education"}, "speech": {"演讲", "Speech contest"}, "qingming": {"清明祭扫", "Qingming visit"},
	"theme": {"主题教育", "Themed education"}, "care": {"帮教关爱", "Help and care"}, "performance": {"文艺汇演", "Performance"},
	"service": {"志愿服务", "Volunteer service"}, "school_guard": {"护学", "School-gate guard"}, "exam_guard": {"护考", "Exam-day duty"},
	"street_patrol": {"街长巡查", "Street chief patrol"}, "duty": {"值守", "Standing duty"}, "aid": {"助学表彰", "Student aid and awards"},
	"planned": {"计划", "Planned"}, "held": {"已举行", "Held"}, "recorded": {"已归档", "Recorded"},
	"large": {"大型", "Large"}, "small": {"小型", "Small"},
	"orchestra": {"乐队", "Orchestra"}, "dance": {"舞蹈队", "Dance team"}, "choir": {"合唱队", "Choir"},
	"opera": {"戏曲队", "Opera troupe"}, "drum": {"腰鼓队", "Drum team"},
}

// Label is the people's word for a coded value (the code itself if unknown).
func Label(code string) Msg {
	if m, ok := Labels[code]; ok {
		return m
	}
	return Msg{code, code}
}
