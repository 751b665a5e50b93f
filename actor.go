package guangong

import "time"

// Role is an account's role. Roles separate duties as 等保 level 3 asks: the administrator
// of accounts sees no business records, the auditor sees only the audit trail.
type Role string

const (
	RoleSysAdmin Role = "sysadmin" // 系统管理员: accounts, settings and the committee tree
	RoleAuditor  Role = "auditor"  // 安全审计员: the audit trail only
	RoleOrgAdmin Role = "orgadmin" // 单位管理员: accounts and records within scope
	RoleClerk    Role = "clerk"    // 录入员: creates and edits records within scope
	RoleViewer   Role = "viewer"   // 查看者: reads only
	// RoleVolunteer is a volunteer's own account, linked to their record: it reads the duty
	// posts of its committee's subtree and its own shifts and hours, signs up and checks in.
	RoleVolunteer Role = "volunteer" // 志愿者
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleSysAdmin, RoleAuditor, RoleOrgAdmin, RoleClerk, RoleViewer, RoleVolunteer}

var roleLabels = map[Role]Msg{
	RoleSysAdmin:  {"系统管理员", "System administrator"},
	RoleAuditor:   {"安全审计员", "Security auditor"},
	RoleOrgAdmin:  {"单位管理员", "Committee administrator"},
	RoleClerk:     {"录入员", "Clerk"},
	RoleViewer:    {"查看者", "Viewer"},
	RoleVolunteer: {"志愿者", "Volunteer"},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := roleLabels[r]; return ok }

// Label is the role's name for people.
func (r Role) Label() Msg { return roleLabels[r] }

// RequiresTOTP: the two privileged roles must use a second factor.
func (r Role) RequiresTOTP() bool { return r == RoleSysAdmin || r == RoleAuditor }

// CanReadOrgs: everyone but the auditor and volunteers' own accounts reads the committee
// tree in scope.
func (r Role) CanReadOrgs() bool { return r.Valid() && r != RoleAuditor && r != RoleVolunteer }

// CanManageOrgs: the committee tree is structure, kept by administrators.
func (r Role) CanManageOrgs() bool { return r == RoleSysAdmin || r == RoleOrgAdmin }

// CanManageUsers: accounts are kept by administrators.
func (r Role) CanManageUsers() bool { return r == RoleSysAdmin || r == RoleOrgAdmin }

// CanReadAudit: only the auditor reads the trail.
func (r Role) CanReadAudit() bool { return r == RoleAuditor }

// CanReadRecords: business records (people, meetings, …) are not the administrator's.
func (r Role) CanReadRecords() bool { return r == RoleOrgAdmin || r == RoleClerk || r == RoleViewer }

// CanWriteRecords: business records are written by committee administrators and clerks.
func (r Role) CanWriteRecords() bool { return r == RoleOrgAdmin || r == RoleClerk }

// CanReadDuty: duty posts and shifts are read by those who read records and by volunteers'
// own accounts (within their committee's subtree).
func (r Role) CanReadDuty() bool { return r.CanReadRecords() || r == RoleVolunteer }

// IsVolunteer: the account is a volunteer's own, linked to their record.
func (r Role) IsVolunteer() bool { return r == RoleVolunteer }

// CanAssign reports whether an account of role r may give role target to an account:
// only the system administrator makes privileged accounts.
func (r Role) CanAssign(target Role) bool {
	switch r {
	case RoleSysAdmin:
		return target.Valid()
	case RoleOrgAdmin:
		return target == RoleOrgAdmin || target == RoleClerk || target == RoleViewer || target == RoleVolunteer
	}
	return false
}

// Actor is who is calling the store: the account, its scope and where the call came from.
// Every store method takes one; scope is enforced there, so no handler can forget it.
type Actor struct {
	UserID    string
	Username  string
	Role      Role
	OrgID     string // the root of the account's scope (its committee's subtree)
	IP        string
	RequestID string
	System    bool // command-line and bootstrap work: no scope, no role checks
	// MinorAccess: the account was granted 未成年人信息 access and may see youths unmasked.
	MinorAccess bool
	// VolunteerID is the volunteer record a volunteer account (RoleVolunteer) acts as.
	VolunteerID string
	// ViaToken: the call came with an API token, not a browser session.
	ViaToken bool
	// AuthAt is when the session last checked the password or second factor (zero for a
	// token or the system).
	AuthAt time.Time
}

// SystemActor is the actor for work done from the command line on the server itself.
func SystemActor(name string) *Actor {
	return &Actor{Username: "system:" + name, System: true, IP: "local"}
}

// Can reports whether the actor passes a role check; the system actor always does.
func (a *Actor) Can(check func(Role) bool) bool { return a.System || check(a.Role) }
