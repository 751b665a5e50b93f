package sqlstore_test

import (
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func newUser(org *guangong.Org, name string, role guangong.Role) *guangong.User {
	return &guangong.User{Username: name, DisplayName: "张三", OrgID: org.ID, Role: role}
}

func TestCreateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		ta := f.Actor("townadmin")
		u := newUser(f.VillageB, " Zhang.San ", guangong.RoleClerk)
		if err := db.CreateUser(ctx, ta, u, "Good-Pass-1"); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindUserByUsername(ctx, ta, "zhang.san")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.OrgName != "白沙村" || got.Lang != "zh" || got.Version != 1 || got.TOTPEnabled {
			t.Fatalf("created %+v", got)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionCreate || e.ObjectType != "user" || e.OrgID != f.VillageB.ID {
			t.Fatalf("audit %+v", e)
		}
		for _, c := range e.Changes {
			if strings.Contains(c.After, "argon2") || c.Field == "password" {
				t.Fatalf("audit holds the password: %+v", c)
			}
		}
		before, creates := auditCount(t, db, ""), auditCount(t, db, guangong.ActionCreate)
		for _, c := range []struct {
			u         *guangong.User
			pw, field string
		}{
			{newUser(f.VillageB, "ab", guangong.RoleClerk), "Good-Pass-1", "username"},
			{newUser(f.VillageB, "Bad Name", guangong.RoleClerk), "Good-Pass-1", "username"},
			{&guangong.User{Username: "lisi", OrgID: f.VillageB.ID, Role: guangong.RoleClerk}, "Good-Pass-1", "displayName"},
			{newUser(f.VillageB, "lisi", "boss"), "Good-Pass-1", "role"},
			{newUser(f.VillageB, "lisi", guangong.RoleClerk), "short", "password"},
			{newUser(f.VillageB, "lisi", guangong.RoleClerk), "Password1", "password"},     // a common password
			{newUser(f.VillageB, "lisi", guangong.RoleClerk), "my-LiSi-2026!", "password"}, // holds the username
			{&guangong.User{Username: "lisi", DisplayName: "李四", OrgID: guangong.NewID(), Role: guangong.RoleClerk}, "Good-Pass-1", "orgId"},
			{newUser(f.OtherTown, "lisi", guangong.RoleClerk), "Good-Pass-1", "orgId"},
		} {
			err := db.CreateUser(ctx, ta, c.u, c.pw)
			wantCode(t, err, guangong.EINVALID)
			wantField(t, err, c.field, "")
		}
		// Duplicate username: a conflict naming the field.
		err = db.CreateUser(ctx, ta, newUser(f.VillageB, "townclerk", guangong.RoleClerk), "Good-Pass-1")
		wantCode(t, err, guangong.ECONFLICT)
		wantField(t, err, "username", "该用户名已被使用")
		// Privileged roles are the system administrator's to give.
		for _, r := range []guangong.Role{guangong.RoleSysAdmin, guangong.RoleAuditor} {
			err = db.CreateUser(ctx, ta, newUser(f.VillageB, "lisi", r), "Good-Pass-1")
			wantCode(t, err, guangong.EFORBIDDEN)
		}
		// Clerks and viewers make no accounts.
		err = db.CreateUser(ctx, f.Actor("townclerk"), newUser(f.VillageB, "lisi", guangong.RoleViewer), "Good-Pass-1")
		wantCode(t, err, guangong.EFORBIDDEN)
		// 5 denials (2 privileged roles, the clerk, the committee outside scope and the one
		// that does not exist, audited alike), no creations.
		if auditCount(t, db, guangong.ActionCreate) != creates || auditCount(t, db, guangong.ActionDenied) != 5 ||
			auditCount(t, db, "") != before+5 {
			t.Fatalf("audit entries %d -> %d", before, auditCount(t, db, ""))
		}
		_, total, _ := db.FindUsers(ctx, sys, guangong.UserFilter{})
		if total != 8 {
			t.Fatalf("users after failed creates: %d", total)
		}
		// The system administrator makes privileged accounts.
		if err := db.CreateUser(ctx, f.Actor("admin"), newUser(f.County, "auditor2", guangong.RoleAuditor), "Good-Pass-1"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUserScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		ta := f.Actor("townadmin")
		list, total, err := db.FindUsers(ctx, ta, guangong.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range list {
			names = append(names, u.Username)
		}
		if total != 4 || strings.Join(names, ",") != "townadmin,townclerk,villageclerk,villageviewer" {
			t.Fatalf("townadmin sees %v (%d)", names, total)
		}
		// The system administrator at County sees everyone, privileged included.
		_, total, _ = db.FindUsers(ctx, f.Actor("admin"), guangong.UserFilter{})
		if total != 7 {
			t.Fatalf("admin sees %d", total)
		}
		// Privileged accounts are NotFound to a committee administrator, even in scope.
		admin2 := newUser(f.Town, "townsys", guangong.RoleSysAdmin)
		if err := db.CreateUser(ctx, sys, admin2, "Good-Pass-1"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{admin2.ID, f.Users["admin"].ID, f.Users["otheradmin"].ID, guangong.NewID()} {
			_, err := db.FindUserByID(ctx, ta, id)
			wantCode(t, err, guangong.ENOTFOUND)
			_, err = db.UpdateUser(ctx, ta, id, guangong.UserUpdate{DisplayName: ptr("x"), Version: 1})
			wantCode(t, err, guangong.ENOTFOUND)
			wantCode(t, db.ResetPassword(ctx, ta, id, "Good-Pass-2"), guangong.ENOTFOUND)
			_, err = db.EndSessions(ctx, ta, id)
			wantCode(t, err, guangong.ENOTFOUND)
			_, _, err = db.CreateToken(ctx, ta, id, "x", 0) // the same refusal for every other account
			wantCode(t, err, guangong.EFORBIDDEN)
		}
		_, total, _ = db.FindUsers(ctx, ta, guangong.UserFilter{Role: ptr(guangong.RoleSysAdmin)})
		if total != 0 {
			t.Fatalf("townadmin lists %d sysadmins", total)
		}
		// Filters.
		_, total, _ = db.FindUsers(ctx, ta, guangong.UserFilter{OrgID: &f.VillageA.ID})
		if total != 2 {
			t.Fatalf("VillageA accounts %d", total)
		}
		_, total, _ = db.FindUsers(ctx, ta, guangong.UserFilter{Query: ptr("村")})
		if total != 2 {
			t.Fatalf("query 村: %d", total)
		}
		_, total, _ = db.FindUsers(ctx, ta, guangong.UserFilter{OrgID: &f.OtherTown.ID})
		if total != 0 {
			t.Fatalf("OtherTown accounts visible: %d", total)
		}
		// Clerks, viewers and auditors manage no accounts but read their own.
		for _, n := range []string{"villageclerk", "villageviewer", "auditor"} {
			a := f.Actor(n)
			_, _, err := db.FindUsers(ctx, a, guangong.UserFilter{})
			wantCode(t, err, guangong.EFORBIDDEN)
			if me, err := db.FindUserByID(ctx, a, a.UserID); err != nil || me.Username != n {
				t.Fatalf("%s reading itself: %v %v", n, me, err)
			}
			_, err = db.FindUserByID(ctx, a, f.Users["townclerk"].ID)
			wantCode(t, err, guangong.EFORBIDDEN)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		ta := f.Actor("townadmin")
		id := f.Users["villageclerk"].ID
		u, err := db.UpdateUser(ctx, ta, id, guangong.UserUpdate{DisplayName: ptr("王五"), Role: ptr(guangong.RoleViewer),
			OrgID: &f.School.ID, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if u.DisplayName != "王五" || u.Role != guangong.RoleViewer || u.OrgID != f.School.ID || u.OrgName != "低庄镇中心小学" || u.Version != 2 {
			t.Fatalf("updated %+v", u)
		}
		if e := lastAudit(t, db); e.Action != guangong.ActionUpdate || len(e.Changes) != 3 || e.OrgID != f.School.ID {
			t.Fatalf("audit %+v", e)
		}
		_, err = db.UpdateUser(ctx, ta, id, guangong.UserUpdate{DisplayName: ptr("x"), Version: 1})
		wantCode(t, err, guangong.ECONFLICT)
		_, err = db.UpdateUser(ctx, ta, id, guangong.UserUpdate{Role: ptr(guangong.RoleAuditor), Version: 2})
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.UpdateUser(ctx, ta, id, guangong.UserUpdate{OrgID: &f.OtherTown.ID, Version: 2})
		wantField(t, err, "orgId", "")
		_, err = db.UpdateUser(ctx, ta, id, guangong.UserUpdate{DisplayName: ptr(""), Version: 2})
		wantField(t, err, "displayName", "")
		_, err = db.UpdateUser(ctx, ta, ta.UserID, guangong.UserUpdate{Disabled: ptr(true), Version: 1})
		wantCode(t, err, guangong.EINVALID)
		cur, _ := db.FindUserByID(ctx, sys, id)
		if cur.Version != 2 || cur.OrgID != f.School.ID || cur.Role != guangong.RoleViewer {
			t.Fatalf("refused updates changed the account: %+v", cur)
		}
		// Disabling ends the account's sessions and refuses its login.
		s, err := db.CreateSession(ctx, id, "1.2.3.4", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateUser(ctx, ta, id, guangong.UserUpdate{Disabled: ptr(true), Version: 2}); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SessionUser(ctx, s.ID)
		wantCode(t, err, guangong.EUNAUTHORIZED)
		_, err = db.Login(ctx, "villageclerk", storetest.Password, "1.2.3.4")
		wantCode(t, err, guangong.EUNAUTHORIZED)
		_, total, _ := db.FindUsers(ctx, ta, guangong.UserFilter{Disabled: ptr(true)})
		if total != 1 {
			t.Fatalf("disabled accounts %d", total)
		}
	})
}

func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		a := f.Actor("townclerk")
		s1, _ := db.CreateSession(ctx, a.UserID, "1.1.1.1", false)
		s2, _ := db.CreateSession(ctx, a.UserID, "2.2.2.2", false)
		other, _ := db.CreateSession(ctx, f.Users["townadmin"].ID, "3.3.3.3", false)
		err := db.ChangePassword(ctx, a, "wrong", "New-Pass-456", s1.ID)
		wantField(t, err, "oldPassword", "原密码不正确")
		err = db.ChangePassword(ctx, a, storetest.Password, "weak", s1.ID)
		wantField(t, err, "newPassword", "")
		err = db.ChangePassword(ctx, a, storetest.Password, storetest.Password, s1.ID)
		wantField(t, err, "newPassword", "")
		if err := db.ChangePassword(ctx, a, storetest.Password, "New-Pass-456", s1.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionUser(ctx, s1.ID); err != nil {
			t.Fatalf("kept session ended: %v", err)
		}
		_, _, err = db.SessionUser(ctx, s2.ID)
		wantCode(t, err, guangong.EUNAUTHORIZED)
		if _, _, err := db.SessionUser(ctx, other.ID); err != nil {
			t.Fatalf("another account's session ended: %v", err)
		}
		if _, err := db.Login(ctx, "townclerk", "New-Pass-456", "1.1.1.1"); err != nil {
			t.Fatal(err)
		}
		_, err = db.Login(ctx, "townclerk", storetest.Password, "1.1.1.1")
		wantCode(t, err, guangong.EUNAUTHORIZED)
		// Newest first: the change, then the wrong current password (counted like a login).
		e, _, _ := db.FindAudit(ctx, sys, guangong.AuditFilter{Action: ptr(guangong.ActionPasswordChange)})
		if len(e) != 2 || e[0].ObjectID != a.UserID || len(e[0].Changes) != 0 || e[0].Result != guangong.ResultOK ||
			e[1].Result != guangong.ResultFailed {
			t.Fatalf("password change audit %+v", e)
		}

		// Reset by an administrator: must change at next login, all sessions end, lock cleared.
		for range guangong.MaxFailedLogins {
			db.Login(ctx, "townclerk", "bad", "1.1.1.1")
		}
		_, err = db.Login(ctx, "townclerk", "New-Pass-456", "1.1.1.1")
		wantCode(t, err, guangong.ELOCKED)
		err = db.ResetPassword(ctx, f.Actor("townadmin"), a.UserID, "short")
		wantField(t, err, "password", "")
		if err := db.ResetPassword(ctx, f.Actor("townadmin"), a.UserID, "Reset-Pass-789"); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SessionUser(ctx, s1.ID)
		wantCode(t, err, guangong.EUNAUTHORIZED)
		u, err := db.Login(ctx, "townclerk", "Reset-Pass-789", "1.1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		if !u.MustChangePassword {
			t.Fatal("reset password need not be changed")
		}
		if err := db.ChangePassword(ctx, a, "Reset-Pass-789", "Final-Pass-000", ""); err != nil {
			t.Fatal(err)
		}
		if u, _ := db.FindUserByID(ctx, a, a.UserID); u.MustChangePassword {
			t.Fatal("MustChangePassword not cleared")
		}
		// A clerk resets nobody's password.
		wantCode(t, db.ResetPassword(ctx, a, f.Users["villageclerk"].ID, "Reset-Pass-789"), guangong.EFORBIDDEN)
	})
}

func TestPrefsAndTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		a := f.Actor("villageviewer")
		u, err := db.SetPrefs(ctx, a, guangong.Prefs{LargeText: ptr(true), Lang: ptr("en")})
		if err != nil || !u.LargeText || u.Lang != "en" {
			t.Fatalf("prefs %+v %v", u, err)
		}
		if e := lastAudit(t, db); len(e.Changes) != 2 || e.Changes[0].Field != "largeText" {
			t.Fatalf("prefs audit %+v", e)
		}
		_, err = db.SetPrefs(ctx, a, guangong.Prefs{Lang: ptr("fr")})
		wantField(t, err, "lang", "")
		// Enrolment needs the secret the page issued (none yet) and a valid code for it.
		err = db.SetTOTP(ctx, a, storetest.TOTPSecret, f.Code(t))
		wantField(t, err, "secret", "")
		if err := db.OfferTOTP(ctx, a, storetest.TOTPSecret); err != nil {
			t.Fatal(err)
		}
		if e := lastAudit(t, db); e.Action != guangong.ActionTOTP || e.Detail != "secret offered for enrolment" || strings.Contains(e.Detail, storetest.TOTPSecret) || len(e.Changes) > 0 {
			t.Fatalf("offered secret audited as %+v", e)
		}
		err = db.SetTOTP(ctx, a, storetest.TOTPSecret, "000000")
		wantField(t, err, "code", "")
		err = db.SetTOTP(ctx, a, "not base32 !", "000000")
		wantField(t, err, "secret", "")
		// A form posting another secret than the one issued is refused, even with a
		// valid code for it.
		const swapped = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
		code, _ := totp.GenerateCode(swapped, db.Now())
		err = db.SetTOTP(ctx, a, swapped, code)
		wantField(t, err, "secret", "")
		if err := db.SetTOTP(ctx, a, storetest.TOTPSecret, f.Code(t)); err != nil {
			t.Fatal(err)
		}
		if u, _ := db.FindUserByID(ctx, a, a.UserID); !u.TOTPEnabled {
			t.Fatal("TOTP not enabled")
		}
		var stored string
		db.RawQueryRow(ctx, `SELECT changes || detail FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&stored)
		if strings.Contains(stored, storetest.TOTPSecret) {
			t.Fatal("audit holds the TOTP secret")
		}
		if err := db.SetTOTP(ctx, a, "", ""); err != nil {
			t.Fatal(err)
		}
		// Privileged roles cannot remove theirs.
		err = db.SetTOTP(ctx, f.Actor("admin"), "", "")
		wantCode(t, err, guangong.EFORBIDDEN)
		if u, _ := db.FindUserByID(ctx, sys, f.Users["admin"].ID); !u.TOTPEnabled {
			t.Fatal("admin's TOTP removed")
		}
	})
}
