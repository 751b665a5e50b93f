// Package demo builds the demonstration database: 溆浦县 → 低庄镇 → its villages,
// communities and schools, their people, and one account for each role. Every person and phone in it
// is fictional; committee codes below the county are illustrative, not official.
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"guangong"
)

// Login is a demo account, printed for whoever runs the demo.
type Login struct {
	Username string
	Password string
	Role     guangong.Role
	OrgName  string
}

// Villages are 低庄镇's 25 villages and communities (names made up for the demo).
var Villages = []string{
	"低庄社区", "新街社区", "青松村", "白沙村", "龙泉村", "枫林村", "杨柳村", "石桥村", "竹园村",
	"桃花村", "金塘村", "大坪村", "茶溪村", "上湾村", "下湾村", "荷叶村", "梨树村", "鹿鸣村",
	"松柏村", "双河村", "长冲村", "红岩村", "水口村", "新田村", "高山村",
}

// Schools are the town's schools with a committee of their own.
var Schools = []string{"低庄镇中心学校", "低庄镇中学", "低庄镇健硕体能培训学校"}

// Build fills an empty, migrated store with the demo and returns the logins.
func Build(ctx context.Context, s guangong.Store) ([]Login, error) {
	sys := guangong.SystemActor("demo")
	mk := func(parent *guangong.Org, name, short string, level guangong.Level, code, established string) (*guangong.Org, error) {
		o := &guangong.Org{Name: name, ShortName: short, Level: level, Code: code, Established: established,
			Address: "湖南省怀化市溆浦县", Contact: "0745-0000000（演示）"}
		if parent != nil {
			o.ParentID = parent.ID
		}
		if err := s.CreateOrg(ctx, sys, o); err != nil {
			return nil, fmt.Errorf("committee %s: %w", name, err)
		}
		return o, nil
	}
	county, err := mk(nil, "溆浦县关心下一代工作委员会", "溆浦县关工委", guangong.LevelCounty, "431224", "1992-06-01")
	if err != nil {
		return nil, err
	}
	town, err := mk(county, "低庄镇关心下一代工作委员会", "低庄镇关工委", guangong.LevelTown, "431224101", "2005-03-01")
	if err != nil {
		return nil, err
	}
	for i, name := range []string{"龙潭镇", "桥江镇"} {
		if _, err := mk(county, name+"关心下一代工作委员会", name+"关工委", guangong.LevelTown,
			fmt.Sprintf("4312241%02d", i+2), "2006-05-01"); err != nil {
			return nil, err
		}
	}
	var villages, schools []*guangong.Org
	for i, name := range Villages {
		o, err := mk(town, name+"关心下一代工作委员会", name+"关工委", guangong.LevelVillage,
			fmt.Sprintf("431224101%03d", 201+i), "2019-07-01")
		if err != nil {
			return nil, err
		}
		villages = append(villages, o)
	}
	for i, name := range Schools {
		o, err := mk(town, name+"关心下一代工作委员会", name+"关工委", guangong.LevelSchool,
			fmt.Sprintf("431224101S%02d", i+1), "2019-09-01")
		if err != nil {
			return nil, err
		}
		schools = append(schools, o)
	}
	vols, err := people(ctx, s, sys, town, villages, schools)
	if err != nil {
		return nil, err
	}
	if err := activities(ctx, s, sys, county, town, villages, schools, vols); err != nil {
		return nil, err
	}

	// The town's clerk may open minors' records (未成年人信息); the village clerk sees them masked.
	accounts := []struct {
		username, name string
		role           guangong.Role
		org            *guangong.Org
		minorAccess    bool
		volunteer      *guangong.Volunteer
	}{
		{"admin", "演示系统管理员", guangong.RoleSysAdmin, county, false, nil},
		{"auditor", "演示安全审计员", guangong.RoleAuditor, county, false, nil},
		{"dizhuang", "演示镇管理员", guangong.RoleOrgAdmin, town, false, nil},
		{"dizhuang-clerk", "演示镇录入员", guangong.RoleClerk, town, true, nil},
		{"village-clerk", "演示村录入员", guangong.RoleClerk, villages[0], false, nil},
		{"viewer", "演示查看者", guangong.RoleViewer, town, false, nil},
		// A duty-group volunteer's own account: their shifts, QR check-in and hours.
		{"volunteer", "演示志愿者", guangong.RoleVolunteer, town, false, vols[3]},
	}
	var logins []Login
	for _, a := range accounts {
		password := Password(a.username)
		u := &guangong.User{Username: a.username, DisplayName: a.name, OrgID: a.org.ID, Role: a.role, Lang: "zh"}
		if a.volunteer != nil {
			u.VolunteerID = a.volunteer.ID
		}
		if err := s.CreateUser(ctx, sys, u, password); err != nil {
			return nil, fmt.Errorf("account %s: %w", a.username, err)
		}
		if a.minorAccess {
			yes := true
			if _, err := s.UpdateUser(ctx, sys, u.ID, guangong.UserUpdate{MinorAccess: &yes, Version: u.Version}); err != nil {
				return nil, fmt.Errorf("account %s: %w", a.username, err)
			}
		}
		logins = append(logins, Login{Username: a.username, Password: password, Role: a.role, OrgName: a.org.ShortName})
	}
	return logins, nil
}

// Password is the demo password of the demo account username: fixed, so that a tester can
// type it, and not containing the username, which the password policy refuses.
func Password(username string) string {
	sum := sha256.Sum256([]byte("guangong demo " + username))
	return "Demo-2026-" + hex.EncodeToString(sum[:3])
}
