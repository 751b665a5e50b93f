package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// RFC 6238 §5.2: a code is accepted once; a moved clock accepts the next step's code.
func TestTOTPCodeUsedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		advance := clock(db)
		id := f.Users["admin"].ID
		code := f.Code(t)
		if err := db.CheckTOTP(ctx, id, code, "10.0.0.3"); err != nil {
			t.Fatal(err)
		}
		// The same code again, within its window: refused, and audited as such.
		err := db.CheckTOTP(ctx, id, code, "10.0.0.3")
		wantCode(t, err, guangong.EUNAUTHORIZED)
		if e := lastAudit(t, db); e.Action != guangong.ActionTOTP || e.Result != guangong.ResultFailed || e.Detail != "code already used" {
			t.Fatalf("replay audit %+v", e)
		}
		// An earlier step's code (still within the skew) is refused too.
		prev, _ := totp.GenerateCode(storetest.TOTPSecret, db.Now().Add(-30*time.Second))
		wantCode(t, db.CheckTOTP(ctx, id, prev, "10.0.0.3"), guangong.EUNAUTHORIZED)
		// 30 s on, the next code is accepted; the one before it still is not.
		advance(30 * time.Second)
		wantCode(t, db.CheckTOTP(ctx, id, code, "10.0.0.3"), guangong.EUNAUTHORIZED)
		if err := db.CheckTOTP(ctx, id, f.Code(t), "10.0.0.3"); err != nil {
			t.Fatalf("next step's code: %v", err)
		}
		// Two requests with one fresh code at once: exactly one passes.
		advance(30 * time.Second)
		code = f.Code(t)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = db.CheckTOTP(ctx, id, code, "10.0.0.3") })
		}
		wg.Wait()
		passed := 0
		for _, err := range errs {
			if err == nil {
				passed++
			}
		}
		if passed != 1 {
			t.Fatalf("one code passed %d times: %v", passed, errs)
		}
		verifyOK(t, db)
	})
}

// An unknown username is locked exactly like an existing one: the same answers, in the same
// order, for the same time.
func TestLockoutUnknownUsername(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		storetest.NewFixture(t, db)
		advance := clock(db)
		try := func(name string) []error {
			var errs []error
			for range guangong.MaxFailedLogins + 1 {
				_, err := db.Login(ctx, name, "Wrong-Pass-1", "10.0.0.9")
				errs = append(errs, err)
			}
			return errs
		}
		known, unknown := try("villageclerk"), try("no.such.person")
		for i := range known {
			want := guangong.EUNAUTHORIZED
			if i >= guangong.MaxFailedLogins-1 {
				want = guangong.ELOCKED
			}
			wantCode(t, known[i], want)
			wantCode(t, unknown[i], want)
			if guangong.ErrorMsg(known[i]) != guangong.ErrorMsg(unknown[i]) {
				t.Fatalf("attempt %d: %v / %v", i+1, known[i], unknown[i])
			}
		}
		// Both locks are audited, and both end after LockoutDuration.
		if n := auditCount(t, db, guangong.ActionLocked); n != 2 {
			t.Fatalf("%d locks audited, want 2", n)
		}
		advance(guangong.LockoutDuration)
		_, err := db.Login(ctx, "no.such.person", "Wrong-Pass-1", "10.0.0.9")
		wantCode(t, err, guangong.EUNAUTHORIZED)
		if _, err := db.Login(ctx, "villageclerk", storetest.Password, "10.0.0.9"); err != nil {
			t.Fatal(err)
		}
		verifyOK(t, db)
	})
}

// Attempts are counted before the password is checked, in one conditional UPDATE: 30
// parallel logins with wrong passwords check at most MaxFailedLogins of them.
func TestParallelLoginsCheckFivePasswords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		storetest.NewFixture(t, db)
		var wg sync.WaitGroup
		errs := make([]error, 30)
		for i := range errs {
			wg.Go(func() { _, errs[i] = db.Login(ctx, "townclerk", "Wrong-Pass-1", "10.0.0.8") })
		}
		wg.Wait()
		locked := 0
		for _, err := range errs {
			switch guangong.ErrorCode(err) {
			case guangong.ELOCKED:
				locked++
			case guangong.EUNAUTHORIZED:
			default:
				t.Fatalf("answer %v", err)
			}
		}
		list, _, err := db.FindAudit(ctx, sys, guangong.AuditFilter{Action: ptr(guangong.ActionLoginFailed),
			Page: guangong.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, e := range list {
			if e.Detail == "wrong password" {
				checked++
			}
		}
		if len(list) != 30 || checked > guangong.MaxFailedLogins || locked < 30-guangong.MaxFailedLogins+1 {
			t.Fatalf("%d failures audited, %d passwords checked, %d locked answers", len(list), checked, locked)
		}
		// Locked now: the right password is refused too.
		_, err = db.Login(ctx, "townclerk", storetest.Password, "10.0.0.8")
		wantCode(t, err, guangong.ELOCKED)
	})
}

// A password change, an administrator's reset and "end all sessions" revoke the account's
// API tokens, audited.
func TestTokensEndWithPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("townclerk")
		mint := func() string {
			t.Helper()
			raw, _, err := db.CreateToken(ctx, clerk, clerk.UserID, "脚本", 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.TokenUser(ctx, raw); err != nil {
				t.Fatal(err)
			}
			return raw
		}
		revoked := func(what, raw, action string) {
			t.Helper()
			_, err := db.TokenUser(ctx, raw)
			wantCode(t, err, guangong.EUNAUTHORIZED)
			if e := lastAudit(t, db); e.Action != action || !strings.Contains(e.Detail, "API tokens revoked: 1") {
				t.Fatalf("%s audit %+v", what, e)
			}
		}
		raw := mint()
		if err := db.ChangePassword(ctx, clerk, storetest.Password, "New-Pass-456", ""); err != nil {
			t.Fatal(err)
		}
		revoked("change", raw, guangong.ActionPasswordChange)
		raw = mint()
		if err := db.ResetPassword(ctx, f.Actor("townadmin"), clerk.UserID, "Reset-Pass-789"); err != nil {
			t.Fatal(err)
		}
		revoked("reset", raw, guangong.ActionPasswordReset)
		raw = mint()
		if _, err := db.EndSessions(ctx, f.Actor("townadmin"), clerk.UserID); err != nil {
			t.Fatal(err)
		}
		revoked("end sessions", raw, guangong.ActionEndSessions)
		// Disabling the account revokes them too, so re-enabling it does not bring them back.
		raw = mint()
		ta := f.Actor("townadmin")
		setDisabled := func(on bool) {
			t.Helper()
			acct, err := db.FindUserByID(ctx, ta, clerk.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.UpdateUser(ctx, ta, clerk.UserID, guangong.UserUpdate{Disabled: new(on), Version: acct.Version}); err != nil {
				t.Fatal(err)
			}
		}
		setDisabled(true)
		revoked("disable", raw, guangong.ActionUpdate)
		setDisabled(false)
		if _, err := db.TokenUser(ctx, raw); guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
			t.Fatalf("a token of a disabled account works again once it is enabled: %v", err)
		}
		// Another account's tokens are untouched.
		vc := f.Actor("villageclerk")
		other, _, err := db.CreateToken(ctx, vc, vc.UserID, "村", 0)
		if err != nil {
			t.Fatal(err)
		}
		db.EndSessions(ctx, f.Actor("townadmin"), clerk.UserID)
		if _, err := db.TokenUser(ctx, other); err != nil {
			t.Fatal(err)
		}
		verifyOK(t, db)
	})
}

// A token cannot mint a token, nor can a session whose password check is not recent; a
// new password check (Reauthenticate) makes it recent again.
func TestTokenMintingNeedsRecentLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		advance := clock(db)
		uid := f.Users["townclerk"].ID
		viaToken := f.Actor("townclerk")
		viaToken.ViaToken = true
		_, _, err := db.CreateToken(ctx, viaToken, uid, "x", 0)
		wantCode(t, err, guangong.EFORBIDDEN)
		if !strings.Contains(guangong.ErrorMsg(err).Zh, "令牌不能创建") {
			t.Fatalf("message %v", err)
		}
		if e := lastAudit(t, db); e.Action != guangong.ActionDenied {
			t.Fatalf("refusal not audited: %+v", e)
		}
		s, err := db.CreateSession(ctx, uid, "10.0.0.4", false)
		if err != nil {
			t.Fatal(err)
		}
		actor := func() *guangong.Actor {
			got, _, err := db.SessionUser(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			a := f.Actor("townclerk")
			a.AuthAt = got.AuthAt
			return a
		}
		if _, _, err := db.CreateToken(ctx, actor(), uid, "fresh", 0); err != nil {
			t.Fatal(err)
		}
		advance(guangong.ReauthWindow + time.Minute)
		_, _, err = db.CreateToken(ctx, actor(), uid, "stale", 0)
		wantCode(t, err, guangong.EFORBIDDEN)
		if !errors.Is(err, guangong.ErrReauth) {
			t.Fatalf("not a re-authentication answer: %v", err)
		}
		// A wrong password neither refreshes the session nor goes uncounted.
		a := actor()
		wantCode(t, db.Reauthenticate(ctx, a, s.ID, "Wrong-Pass-1"), guangong.EUNAUTHORIZED)
		if u, _ := db.FindUserByID(ctx, sys, uid); u.FailedLogins != 1 {
			t.Fatalf("failed re-authentication not counted: %+v", u)
		}
		if err := db.Reauthenticate(ctx, a, s.ID, storetest.Password); err != nil {
			t.Fatal(err)
		}
		if e := lastAudit(t, db); e.Action != guangong.ActionLogin || e.Detail != "session re-authenticated" {
			t.Fatalf("re-authentication audited as %+v", e)
		}
		if _, _, err := db.CreateToken(ctx, actor(), uid, "again", 0); err != nil {
			t.Fatalf("after re-authentication: %v", err)
		}
		// Another account's session is not refreshed by one's own password.
		other := f.Actor("villageclerk")
		wantCode(t, db.Reauthenticate(ctx, other, s.ID, storetest.Password), guangong.EUNAUTHORIZED)
	})
}

// A token may expire; it is refused from then on, and its expiry is listed.
func TestTokenExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		advance := clock(db)
		a := f.Actor("townclerk")
		a.AuthAt = db.Now()
		raw, tok, err := db.CreateToken(ctx, a, a.UserID, "月报", 30)
		if err != nil {
			t.Fatal(err)
		}
		if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(db.Now().Truncate(time.Microsecond).AddDate(0, 0, 30)) {
			t.Fatalf("expiry %v", tok.ExpiresAt)
		}
		advance(time.Second) // listed newest first
		a.AuthAt = db.Now()
		forever, _, err := db.CreateToken(ctx, a, a.UserID, "长期", 0)
		if err != nil {
			t.Fatal(err)
		}
		list, err := db.FindTokens(ctx, a, a.UserID)
		if err != nil || len(list) != 2 || list[1].ExpiresAt == nil || list[1].ExpiresAt.Sub(*tok.ExpiresAt).Abs() > time.Millisecond || list[0].ExpiresAt != nil {
			for _, x := range list {
				t.Logf("%+v", *x)
			}
			t.Fatalf("list %v", err)
		}
		advance(30*24*time.Hour - 2*time.Second)
		if _, err := db.TokenUser(ctx, raw); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		advance(time.Second)
		_, err = db.TokenUser(ctx, raw)
		wantCode(t, err, guangong.EUNAUTHORIZED)
		if _, err := db.TokenUser(ctx, forever); err != nil {
			t.Fatal(err)
		}
		a.AuthAt = db.Now()
		_, _, err = db.CreateToken(ctx, a, a.UserID, "x", -1)
		wantField(t, err, "expireDays", "")
	})
}

// NIST SP 800-63B: no composition rules, but no common password, none holding the
// username, and not the old one again.
func TestPasswordPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("townclerk")
		for _, c := range []struct{ pw, zh string }{
			{"Password1", "新密码过于常见"},
			{"WOAINI1314", "新密码过于常见"},
			{"my-TownClerk-pw", "新密码不能包含用户名"},
			{storetest.Password, "新密码不能与原密码相同"},
		} {
			err := db.ChangePassword(ctx, clerk, storetest.Password, c.pw, "")
			wantField(t, err, "newPassword", "")
			if m := guangong.FieldErrors(err)["newPassword"]; !strings.HasPrefix(m.Zh, c.zh) {
				t.Errorf("%q: %q, want %q…", c.pw, m.Zh, c.zh)
			}
		}
		// A long lower-case passphrase is fine: no classes are asked for.
		if err := db.ChangePassword(ctx, clerk, storetest.Password, "three quiet rivers", ""); err != nil {
			t.Fatal(err)
		}
		err := db.ResetPassword(ctx, f.Actor("townadmin"), clerk.UserID, "townclerk2026")
		wantField(t, err, "password", "密码不能包含用户名")
		err = db.ResetPassword(ctx, f.Actor("townadmin"), clerk.UserID, "qq123456")
		wantField(t, err, "password", "")
	})
}

// The current password asked by ChangePassword is counted like a login: a stolen session or
// API token cannot guess it there without limit, and the lockout it reaches holds at the
// login page too.
func TestChangePasswordCountsWrongCurrentPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clock(db)
		clerk := f.Actor("townclerk")
		for i := 1; i <= guangong.MaxFailedLogins; i++ {
			err := db.ChangePassword(ctx, clerk, "Wrong-Guess-1", "New-Pass-456", "")
			want := guangong.EINVALID
			if i == guangong.MaxFailedLogins {
				want = guangong.ELOCKED
			}
			wantCode(t, err, want)
			if e := lastAudit(t, db); i < guangong.MaxFailedLogins && (e.Action != guangong.ActionPasswordChange ||
				e.Result != guangong.ResultFailed || e.Detail != "wrong current password") {
				t.Fatalf("attempt %d audit %+v", i, e)
			}
		}
		// Locked: the right password does not change it, nor log in.
		wantCode(t, db.ChangePassword(ctx, clerk, storetest.Password, "New-Pass-456", ""), guangong.ELOCKED)
		_, err := db.Login(ctx, clerk.Username, storetest.Password, "10.0.0.9")
		wantCode(t, err, guangong.ELOCKED)
		verifyOK(t, db)
	})
}

// Wrong second-factor codes add up across logins: a right password does not clear them, or
// whoever holds the password could guess codes without end, logging in again before each
// lock. The second factor passing clears them.
func TestTOTPFailuresSurviveThePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clock(db)
		id := f.Users["admin"].ID
		wrong := 0
		for round := 0; round < guangong.MaxFailedLogins; round++ {
			if _, err := db.Login(ctx, "admin", storetest.Password, "10.0.0.7"); err != nil {
				wantCode(t, err, guangong.ELOCKED)
				break
			}
			for range 2 {
				err := db.CheckTOTP(ctx, id, "12345", "10.0.0.7")
				wrong++
				if wrong >= guangong.MaxFailedLogins {
					wantCode(t, err, guangong.ELOCKED)
				} else {
					wantCode(t, err, guangong.EUNAUTHORIZED)
				}
			}
		}
		if wrong != guangong.MaxFailedLogins+1 {
			t.Fatalf("%d wrong codes checked around password logins, want the lock at the %dth", wrong, guangong.MaxFailedLogins)
		}
		_, err := db.Login(ctx, "admin", storetest.Password, "10.0.0.7")
		wantCode(t, err, guangong.ELOCKED)
	})
}

// A right code clears the failures; the password alone, between, leaves them.
func TestTOTPSuccessClearsFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clock(db)
		id := f.Users["admin"].ID
		for range guangong.MaxFailedLogins - 1 {
			wantCode(t, db.CheckTOTP(ctx, id, "12345", "10.0.0.7"), guangong.EUNAUTHORIZED)
		}
		if _, err := db.Login(ctx, "admin", storetest.Password, "10.0.0.7"); err != nil {
			t.Fatal(err)
		}
		if err := db.CheckTOTP(ctx, id, f.Code(t), "10.0.0.7"); err != nil {
			t.Fatal(err)
		}
		for range guangong.MaxFailedLogins - 1 {
			wantCode(t, db.CheckTOTP(ctx, id, "12345", "10.0.0.7"), guangong.EUNAUTHORIZED)
		}
	})
}

// An attempt whose client goes away while its password is checked (the request's context
// ends) is still settled: the failures lock the name for LockoutDuration, after which the
// right password logs in, rather than the attempts staying counted and the name locked
// until its row is forgotten a day later.
func TestAbandonedLoginAttemptsAreSettled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		storetest.NewFixture(t, db)
		now := time.Now().UTC()
		var calls int
		var cancel context.CancelFunc
		// The store reads its clock as each transaction begins: the second is the one that
		// settles the attempt, and the client leaves just then.
		db.Now = func() time.Time {
			if calls++; calls == 2 && cancel != nil {
				cancel()
			}
			return now
		}
		for range guangong.MaxFailedLogins {
			var c context.Context
			c, cancel = context.WithCancel(ctx)
			calls = 0
			db.Login(c, "townclerk", "Wrong-Guess-1", "10.0.0.8")
			cancel()
		}
		cancel = nil
		now = now.Add(guangong.LockoutDuration + time.Minute)
		if _, err := db.Login(ctx, "townclerk", storetest.Password, "10.0.0.8"); err != nil {
			t.Fatalf("after the lockout: %v", err)
		}
	})
}

// An administrator cannot reset its own password: with a stolen session or API token that
// would set a password without knowing the current one, and outlast the token's revocation.
func TestResetOwnPasswordRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		admin := f.Actor("townadmin")
		raw, _, err := db.CreateToken(ctx, admin, admin.UserID, "集成", 0)
		if err != nil {
			t.Fatal(err)
		}
		viaToken := *admin
		viaToken.ViaToken, viaToken.AuthAt = true, time.Time{}
		wantCode(t, db.ResetPassword(ctx, &viaToken, admin.UserID, "Taken-Over-789"), guangong.EINVALID)
		if e := lastAudit(t, db); e.Result != guangong.ResultDenied || e.Detail != "reset own password" {
			t.Fatalf("audit %+v", e)
		}
		if _, err := db.Login(ctx, admin.Username, storetest.Password, "10.0.0.5"); err != nil {
			t.Fatalf("the password changed: %v", err)
		}
		if _, err := db.TokenUser(ctx, raw); err != nil {
			t.Fatalf("the token: %v", err)
		}
		// Another account in scope still can be reset.
		if err := db.ResetPassword(ctx, admin, f.Users["townclerk"].ID, "Reset-Pass-789"); err != nil {
			t.Fatal(err)
		}
	})
}
