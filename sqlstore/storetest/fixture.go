package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"guangong"
	"guangong/sqlstore"
)

// Password is every fixture account's password.
const Password = "Test-Pass-123"

// TOTPSecret is the second-factor secret of the fixture's admin and auditor; make codes
// with totp.GenerateCode(TOTPSecret, time).
const TOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// Fixture is a small tree and one account per role, made through the store's own methods:
//
//	溆浦县 County (431224)
//	├── 低庄镇 Town (431224101): townadmin, townclerk
//	│   ├── 青松村 VillageA (V001): villageclerk, villageviewer
//	│   ├── 白沙村 VillageB (V002)
//	│   └── 低庄镇中心小学 School (S001)
//	└── 龙潭镇 OtherTown (431224102): otheradmin
//
// admin (sysadmin) and auditor sit at County, both with TOTP enrolled.
type Fixture struct {
	DB                                                  *sqlstore.DB
	County, Town, OtherTown, VillageA, VillageB, School *guangong.Org
	Users                                               map[string]*guangong.User
}

// NewFixture builds the fixture in db.
func NewFixture(t testing.TB, db *sqlstore.DB) *Fixture {
	t.Helper()
	return newFixture(t, db, true)
}

// NewOldFixture builds the fixture in a database migrated only part of the way (a test of
// a migration): the same committees and accounts, but no second factor for admin and
// auditor, whose enrolment needs the newest schema.
func NewOldFixture(t testing.TB, db *sqlstore.DB) *Fixture {
	t.Helper()
	return newFixture(t, db, false)
}

func newFixture(t testing.TB, db *sqlstore.DB, totpEnrol bool) *Fixture {
	t.Helper()
	ctx := context.Background()
	sys := guangong.SystemActor("storetest")
	f := &Fixture{DB: db, Users: map[string]*guangong.User{}}
	org := func(parent *guangong.Org, name string, level guangong.Level, code string) *guangong.Org {
		o := &guangong.Org{Name: name, Level: level, Code: code}
		if parent != nil {
			o.ParentID = parent.ID
		}
		if err := db.CreateOrg(ctx, sys, o); err != nil {
			t.Fatalf("storetest: create org %s: %v", name, err)
		}
		return o
	}
	f.County = org(nil, "溆浦县", guangong.LevelCounty, "431224")
	f.Town = org(f.County, "低庄镇", guangong.LevelTown, "431224101")
	f.OtherTown = org(f.County, "龙潭镇", guangong.LevelTown, "431224102")
	f.VillageA = org(f.Town, "青松村", guangong.LevelVillage, "V001")
	f.VillageB = org(f.Town, "白沙村", guangong.LevelVillage, "V002")
	f.School = org(f.Town, "低庄镇中心小学", guangong.LevelSchool, "S001")
	for _, u := range []struct {
		name, display string
		role          guangong.Role
		org           *guangong.Org
	}{
		{"admin", "系统管理员", guangong.RoleSysAdmin, f.County},
		{"auditor", "安全审计员", guangong.RoleAuditor, f.County},
		{"townadmin", "镇管理员", guangong.RoleOrgAdmin, f.Town},
		{"townclerk", "镇录入员", guangong.RoleClerk, f.Town},
		{"villageclerk", "村录入员", guangong.RoleClerk, f.VillageA},
		{"villageviewer", "村查看者", guangong.RoleViewer, f.VillageA},
		{"otheradmin", "龙潭管理员", guangong.RoleOrgAdmin, f.OtherTown},
	} {
		usr := &guangong.User{Username: u.name, DisplayName: u.display, OrgID: u.org.ID, Role: u.role, Lang: "zh"}
		if err := db.CreateUser(ctx, sys, usr, Password); err != nil {
			t.Fatalf("storetest: create user %s: %v", u.name, err)
		}
		f.Users[u.name] = usr
	}
	for _, name := range []string{"admin", "auditor"} {
		if !totpEnrol {
			break
		}
		// Enrolled with the previous step's code (still valid, one step of skew), so that
		// the current code (Code) is unused: a code is accepted once. A test logging the same
		// account in twice moves the clock 30 s between (see Advance).
		if err := db.OfferTOTP(ctx, f.Actor(name), TOTPSecret); err != nil {
			t.Fatalf("storetest: offer totp for %s: %v", name, err)
		}
		enrol := func() error {
			code, err := totp.GenerateCode(TOTPSecret, db.Now().Add(-30*time.Second))
			if err != nil {
				t.Fatalf("storetest: totp code: %v", err)
			}
			return db.SetTOTP(ctx, f.Actor(name), TOTPSecret, code)
		}
		err := enrol()
		// The code is made a moment before the store checks it: when a 30-s step begins in
		// between, the previous step's code is two steps old by the check and refused. A new
		// code then cannot meet another step's start.
		if guangong.ErrorCode(err) == guangong.EINVALID {
			err = enrol()
		}
		if err != nil {
			t.Fatalf("storetest: enrol totp for %s: %v", name, err)
		}
		u, err := db.FindUserByID(ctx, sys, f.Users[name].ID)
		if err != nil {
			t.Fatalf("storetest: reload %s: %v", name, err)
		}
		f.Users[name] = u
	}
	return f
}

// Actor returns the actor of a fixture account, calling from 127.0.0.1.
func (f *Fixture) Actor(username string) *guangong.Actor {
	u, ok := f.Users[username]
	if !ok {
		panic("storetest: no fixture account " + username)
	}
	// AuthAt: as if the account had just logged in (minting a token needs a recent check).
	return &guangong.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, OrgID: u.OrgID, IP: "127.0.0.1",
		MinorAccess: u.MinorAccess, VolunteerID: u.VolunteerID, AuthAt: f.DB.Now()}
}

// Advance moves the database's clock on by d (a new TOTP step, an expiry, a lockout's end).
// Call it between requests, never during one.
func (f *Fixture) Advance(d time.Duration) {
	prev := f.DB.Now
	f.DB.Now = func() time.Time { return prev().Add(d) }
}

// GrantMinorAccess gives a fixture account 未成年人信息 access (as the system, audited like
// any account change); Actor(username) then carries it.
func (f *Fixture) GrantMinorAccess(t testing.TB, username string) {
	t.Helper()
	u := f.Users[username]
	got, err := f.DB.UpdateUser(context.Background(), guangong.SystemActor("storetest"), u.ID,
		guangong.UserUpdate{MinorAccess: new(true), Version: u.Version})
	if err != nil {
		t.Fatalf("storetest: grant minor access to %s: %v", username, err)
	}
	f.Users[username] = got
}

// Code returns a currently valid TOTP code for TOTPSecret at the database's clock.
func (f *Fixture) Code(t testing.TB) string {
	t.Helper()
	code, err := totp.GenerateCode(TOTPSecret, f.DB.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}
