package sqlstore_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/argon2"

	"guangong"
	"guangong/secret"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// clock makes db.Now movable; the returned func moves it forward.
func clock(db *sqlstore.DB) func(d time.Duration) {
	now := time.Now().UTC()
	db.Now = func() time.Time { return now }
	return func(d time.Duration) { now = now.Add(d) }
}

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		u, err := db.Login(ctx, " TownClerk ", storetest.Password, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "townclerk" || u.LastLoginAt == nil || u.OrgName != "低庄镇" {
			t.Fatalf("login user %+v", u)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionLogin || e.UserID != u.ID || e.IP != "10.0.0.1" || e.OrgID != f.Town.ID {
			t.Fatalf("login audit %+v", e)
		}
		// Unknown username and wrong password: the same answer.
		_, err1 := db.Login(ctx, "nobody", storetest.Password, "10.0.0.1")
		_, err2 := db.Login(ctx, "townclerk", "Wrong-Pass-1", "10.0.0.1")
		wantCode(t, err1, guangong.EUNAUTHORIZED)
		if guangong.ErrorMsg(err1) != guangong.ErrorMsg(err2) || guangong.ErrorMsg(err1).Zh != "用户名或密码错误" {
			t.Fatalf("messages differ: %v / %v", err1, err2)
		}
		list, _, _ := db.FindAudit(ctx, sys, guangong.AuditFilter{Action: ptr(guangong.ActionLoginFailed)})
		if len(list) != 2 || list[1].Username != "nobody" || list[1].OrgID != "" || list[0].OrgID != f.Town.ID {
			t.Fatalf("failed-login audit %+v", list)
		}
	})
}

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		storetest.NewFixture(t, db)
		advance := clock(db)
		for i := 1; i < guangong.MaxFailedLogins; i++ {
			_, err := db.Login(ctx, "villageclerk", "Wrong-Pass-1", "10.0.0.2")
			wantCode(t, err, guangong.EUNAUTHORIZED)
		}
		// A success resets the count.
		if _, err := db.Login(ctx, "villageclerk", storetest.Password, "10.0.0.2"); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < guangong.MaxFailedLogins; i++ {
			db.Login(ctx, "villageclerk", "Wrong-Pass-1", "10.0.0.2")
		}
		u, _ := db.FindUserByUsername(ctx, sys, "villageclerk")
		if u.FailedLogins != guangong.MaxFailedLogins-1 || u.LockedUntil != nil {
			t.Fatalf("after 4 failures: %+v", u)
		}
		_, err := db.Login(ctx, "villageclerk", "Wrong-Pass-1", "10.0.0.2")
		wantCode(t, err, guangong.ELOCKED)
		if auditCount(t, db, guangong.ActionLocked) != 1 {
			t.Fatal("lock not audited")
		}
		// Locked: even the right password is refused.
		_, err = db.Login(ctx, "villageclerk", storetest.Password, "10.0.0.2")
		wantCode(t, err, guangong.ELOCKED)
		advance(guangong.LockoutDuration - time.Minute)
		_, err = db.Login(ctx, "villageclerk", storetest.Password, "10.0.0.2")
		wantCode(t, err, guangong.ELOCKED)
		advance(time.Minute)
		u, err = db.Login(ctx, "villageclerk", storetest.Password, "10.0.0.2")
		if err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
		if u.FailedLogins != 0 || u.LockedUntil != nil {
			t.Fatalf("counters not reset: %+v", u)
		}
		verifyOK(t, db)
	})
}

func TestCheckTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		id := f.Users["admin"].ID
		if err := db.CheckTOTP(ctx, id, f.Code(t), "10.0.0.3"); err != nil {
			t.Fatal(err)
		}
		wrong := "000000"
		if wrong == f.Code(t) {
			wrong = "111111"
		}
		err := db.CheckTOTP(ctx, id, wrong, "10.0.0.3")
		wantCode(t, err, guangong.EUNAUTHORIZED)
		list, _, _ := db.FindAudit(ctx, sys, guangong.AuditFilter{Action: ptr(guangong.ActionTOTP), ObjectID: &id})
		if len(list) < 2 || list[0].Result != guangong.ResultFailed || list[1].Result != guangong.ResultOK {
			t.Fatalf("totp audit %+v", list)
		}
		// Wrong codes count toward the lockout.
		for range guangong.MaxFailedLogins - 1 {
			err = db.CheckTOTP(ctx, id, wrong, "10.0.0.3")
		}
		wantCode(t, err, guangong.ELOCKED)
		code, _ := totp.GenerateCode(storetest.TOTPSecret, db.Now())
		wantCode(t, db.CheckTOTP(ctx, id, code, "10.0.0.3"), guangong.ELOCKED)
		// An account without a second factor.
		wantCode(t, db.CheckTOTP(ctx, f.Users["townclerk"].ID, "123456", "10.0.0.3"), guangong.EINVALID)
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		advance := clock(db)
		uid := f.Users["townclerk"].ID
		s, err := db.CreateSession(ctx, uid, "10.0.0.4", true)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.ID) != 32 || len(s.CSRFToken) != 32 || !s.MFAPending || !s.ExpiresAt.Equal(s.CreatedAt.Add(guangong.SessionAbsolute)) {
			t.Fatalf("session %+v", s)
		}
		// Only the hash is stored.
		var n int
		db.RawQueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE id_hash = $1`, secret.HashToken(s.ID)).Scan(&n)
		var raw int
		db.RawQueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE id_hash = $1`, s.ID).Scan(&raw)
		if n != 1 || raw != 0 {
			t.Fatalf("stored by hash %d, by raw id %d", n, raw)
		}
		got, u, err := db.SessionUser(ctx, s.ID)
		if err != nil || u.ID != uid || got.CSRFToken != s.CSRFToken || !got.MFAPending {
			t.Fatalf("SessionUser %+v %+v %v", got, u, err)
		}
		_, _, err = db.SessionUser(ctx, "unknown")
		wantCode(t, err, guangong.EUNAUTHORIZED)

		// last_seen is written at most once a minute.
		lastSeen := func() string {
			var ls string
			db.RawQueryRow(ctx, `SELECT last_seen_at FROM sessions WHERE id_hash = $1`, secret.HashToken(s.ID)).Scan(&ls)
			return ls
		}
		first := lastSeen()
		advance(30 * time.Second)
		db.SessionUser(ctx, s.ID)
		if lastSeen() != first {
			t.Fatal("last_seen written within a minute")
		}
		advance(40 * time.Second)
		db.SessionUser(ctx, s.ID)
		if lastSeen() == first {
			t.Fatal("last_seen not refreshed after a minute")
		}
		// Idle expiry: 30 minutes without activity.
		advance(guangong.SessionIdle - time.Second)
		if _, _, err := db.SessionUser(ctx, s.ID); err != nil {
			t.Fatalf("active just under the idle limit: %v", err)
		}
		advance(guangong.SessionIdle)
		_, _, err = db.SessionUser(ctx, s.ID)
		wantCode(t, err, guangong.EUNAUTHORIZED)

		// Absolute expiry: 12 hours, however active.
		s2, _ := db.CreateSession(ctx, uid, "10.0.0.4", false)
		for elapsed := time.Duration(0); elapsed < guangong.SessionAbsolute-20*time.Minute; elapsed += 20 * time.Minute {
			advance(20 * time.Minute)
			if _, _, err := db.SessionUser(ctx, s2.ID); err != nil {
				t.Fatalf("active session refused after %v: %v", elapsed, err)
			}
		}
		advance(20 * time.Minute)
		_, _, err = db.SessionUser(ctx, s2.ID)
		wantCode(t, err, guangong.EUNAUTHORIZED)

		// Logout ends only the actor's own session.
		s3, _ := db.CreateSession(ctx, uid, "10.0.0.4", false)
		if err := db.EndSession(ctx, f.Actor("townadmin"), s3.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionUser(ctx, s3.ID); err != nil {
			t.Fatal("another account ended the session")
		}
		if err := db.EndSession(ctx, f.Actor("townclerk"), s3.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.SessionUser(ctx, s3.ID)
		wantCode(t, err, guangong.EUNAUTHORIZED)
		if e := lastAudit(t, db); e.Action != guangong.ActionLogout || e.UserID != uid {
			t.Fatalf("logout audit %+v", e)
		}
		// An administrator ends all of an account's sessions.
		db.CreateSession(ctx, uid, "10.0.0.4", false)
		db.CreateSession(ctx, uid, "10.0.0.5", false)
		n, err = db.EndSessions(ctx, f.Actor("townadmin"), uid)
		if err != nil || n != 2 {
			t.Fatalf("EndSessions = %d, %v", n, err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("townclerk")
		raw, tok, err := db.CreateToken(ctx, clerk, clerk.UserID, " 报表脚本 ", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(raw, "gg_") || tok.Name != "报表脚本" || tok.UserID != clerk.UserID {
			t.Fatalf("token %q %+v", raw, tok)
		}
		var stored int
		db.RawQueryRow(ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, raw).Scan(&stored)
		if stored != 0 {
			t.Fatal("raw token stored")
		}
		var inAudit int
		db.RawQueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE changes LIKE $1 OR detail LIKE $1`, "%"+raw[3:]+"%").Scan(&inAudit)
		if inAudit != 0 {
			t.Fatal("raw token in the audit trail")
		}
		u, err := db.TokenUser(ctx, raw)
		if err != nil || u.ID != clerk.UserID {
			t.Fatalf("TokenUser %+v %v", u, err)
		}
		_, err = db.TokenUser(ctx, raw+"x")
		wantCode(t, err, guangong.EUNAUTHORIZED)
		list, err := db.FindTokens(ctx, clerk, clerk.UserID)
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil {
			t.Fatalf("tokens %+v %v", list, err)
		}
		// Others' tokens: a clerk may not; the town's administrator may; the other town's may not.
		_, _, err = db.CreateToken(ctx, clerk, f.Users["villageclerk"].ID, "x", 0)
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.FindTokens(ctx, f.Actor("otheradmin"), clerk.UserID)
		wantCode(t, err, guangong.ENOTFOUND)
		wantCode(t, db.RevokeToken(ctx, f.Actor("otheradmin"), tok.ID), guangong.ENOTFOUND)
		// A clerk manages no one's tokens but its own: another's is missing to it, not forbidden.
		wantCode(t, db.RevokeToken(ctx, f.Actor("villageclerk"), tok.ID), guangong.ENOTFOUND)
		_, _, err = db.CreateToken(ctx, clerk, clerk.UserID, "", 0)
		wantField(t, err, "name", "")
		// Nobody makes a token for another account, not even its administrator: a token
		// acts as its account.
		_, _, err = db.CreateToken(ctx, f.Actor("townadmin"), f.Users["villageclerk"].ID, "村脚本", 0)
		wantCode(t, err, guangong.EFORBIDDEN)
		raw2, _, err := db.CreateToken(ctx, f.Actor("villageclerk"), f.Users["villageclerk"].ID, "村脚本", 0)
		if err != nil {
			t.Fatal(err)
		}
		// Revoked tokens and disabled accounts are refused.
		if err := db.RevokeToken(ctx, f.Actor("townadmin"), tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.TokenUser(ctx, raw)
		wantCode(t, err, guangong.EUNAUTHORIZED)
		if e := lastAudit(t, db); e.Action != guangong.ActionTokenRevoke || e.ObjectID != tok.ID {
			t.Fatalf("revoke audit %+v", e)
		}
		if _, err := db.TokenUser(ctx, raw2); err != nil {
			t.Fatal(err)
		}
		// A password lockout does not stop the account's tokens: five bad logins by
		// anyone must not cut off an integration.
		for range guangong.MaxFailedLogins {
			db.Login(ctx, "villageclerk", "bad", "x")
		}
		if _, err := db.Login(ctx, "villageclerk", storetest.Password, "x"); guangong.ErrorCode(err) != guangong.ELOCKED {
			t.Fatalf("login after 5 failures: %v", err)
		}
		if _, err := db.TokenUser(ctx, raw2); err != nil {
			t.Fatalf("token of a locked account: %v", err)
		}
		vc, _ := db.FindUserByID(ctx, sys, f.Users["villageclerk"].ID)
		if _, err := db.UpdateUser(ctx, f.Actor("townadmin"), vc.ID, guangong.UserUpdate{Disabled: ptr(true), Version: vc.Version}); err != nil {
			t.Fatal(err)
		}
		_, err = db.TokenUser(ctx, raw2)
		wantCode(t, err, guangong.EUNAUTHORIZED)
	})
}

func TestBootstrap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		name, pw, err := db.Bootstrap(ctx, "关工委")
		if err != nil || name != "admin" || guangong.PasswordProblem("password", pw, "") != nil {
			t.Fatalf("bootstrap %q %q %v", name, pw, err)
		}
		u, err := db.Login(ctx, "admin", pw, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != guangong.RoleSysAdmin || !u.MustChangePassword || u.OrgName != "关工委" {
			t.Fatalf("bootstrap admin %+v", u)
		}
		root, err := db.FindOrgByRef(ctx, sys, "ROOT")
		if err != nil || root.Level != guangong.LevelProvince || root.ParentID != "" {
			t.Fatalf("root %+v %v", root, err)
		}
		name, pw, err = db.Bootstrap(ctx, "关工委")
		if name != "" || pw != "" || err != nil {
			t.Fatalf("second bootstrap %q %q %v", name, pw, err)
		}
		verifyOK(t, db)
	})
	// With a tree but no account, the existing root is used.
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		root := &guangong.Org{Name: "溆浦县", Level: guangong.LevelCounty, Code: "431224"}
		if err := db.CreateOrg(ctx, sys, root); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Bootstrap(ctx, "x"); err != nil {
			t.Fatal(err)
		}
		u, _ := db.FindUserByUsername(ctx, sys, "admin")
		if u.OrgID != root.ID {
			t.Fatalf("admin at %s, want %s", u.OrgID, root.ID)
		}
	})
}

// A password hash with weaker argon2id parameters is checked by its own parameters and
// replaced with today's at the next successful login.
func TestLoginRehash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		salt := []byte("0123456789abcdef")
		enc := base64.RawStdEncoding
		weak := "$argon2id$v=19$m=8192,t=1,p=1$" + enc.EncodeToString(salt) + "$" +
			enc.EncodeToString(argon2.IDKey([]byte(storetest.Password), salt, 1, 8192, 1, 32))
		id := f.Users["townclerk"].ID
		if _, err := db.RawExec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, weak, id); err != nil {
			t.Fatal(err)
		}
		_, err := db.Login(ctx, "townclerk", "Wrong-Pass-1", "x")
		wantCode(t, err, guangong.EUNAUTHORIZED)
		var stored string
		db.RawQueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&stored)
		if stored != weak {
			t.Fatal("hash replaced after a failed login")
		}
		if _, err := db.Login(ctx, "townclerk", storetest.Password, "x"); err != nil {
			t.Fatal(err)
		}
		db.RawQueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&stored)
		if stored == weak || secret.NeedsRehash(stored) {
			t.Fatalf("hash not upgraded: %s", stored)
		}
		if _, err := db.Login(ctx, "townclerk", storetest.Password, "x"); err != nil {
			t.Fatalf("login with the upgraded hash: %v", err)
		}
	})
}
