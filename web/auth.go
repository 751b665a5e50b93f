package web

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/url"
	"strings"

	"github.com/pquerna/otp/totp"

	"guangong"
	"guangong/httpx"
)

type loginData struct {
	Username string
	Next     string // where to go after logging in (a check-in page scanned before login)
}

// safeNext keeps a local path only, so a link cannot send someone elsewhere after login.
// Browsers drop tabs and other control characters from an address ("/\t/evil" becomes
// "//evil"), so any of them refuses it, as does anything that parses with a scheme or host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return ""
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return ""
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	return next
}

func (s *server) loginForm(c *ctx) error {
	if c.sess != nil {
		if c.sess.MFAPending {
			return c.stop(c.secondFactorURL())
		}
		return c.stop("/")
	}
	return c.render(http.StatusOK, "auth/login", c.view(tr(c.lang, "login.title"),
		loginData{Next: safeNext(c.r.URL.Query().Get("next"))}))
}

// login checks the password. Success ends any earlier session and starts a new one, pending
// the second factor when the account has or needs one.
func (s *server) login(c *ctx) error {
	username := strings.TrimSpace(c.r.PostFormValue("username"))
	password := c.r.PostFormValue("password")
	next := safeNext(c.r.PostFormValue("next"))
	ip := c.actor().IP
	user, err := s.store.Login(c.r.Context(), username, password, ip)
	if err != nil {
		code := guangong.ErrorCode(err)
		if code != guangong.EUNAUTHORIZED && code != guangong.ELOCKED && code != guangong.EINVALID {
			return err
		}
		v := c.view(tr(c.lang, "login.title"), loginData{Username: username, Next: next})
		v.Message = guangong.ErrorMsg(err).In(c.lang)
		if code == guangong.EUNAUTHORIZED {
			v.Message = tr(c.lang, "login.bad")
		}
		return c.render(httpx.StatusOf(err), "auth/login", v)
	}
	c.endCurrentSession()
	needMFA := user.TOTPEnabled || user.Role.RequiresTOTP()
	sess, err := s.store.CreateSession(c.r.Context(), user.ID, ip, needMFA)
	if err != nil {
		return err
	}
	c.setSessionCookie(sess)
	c.sess, c.user = sess, user
	if needMFA {
		return c.stop(c.secondFactorURL())
	}
	if user.MustChangePassword {
		if next != "" { // a volunteer's first scan: back to the check-in after the new password
			return c.stop("/password?next=" + url.QueryEscape(next))
		}
		return c.stop("/password")
	}
	if next != "" {
		return c.redirect(next)
	}
	return c.redirect("/")
}

// endCurrentSession ends the session the request came with, if any.
func (c *ctx) endCurrentSession() {
	if c.rawID == "" {
		return
	}
	if err := c.s.store.EndSession(c.r.Context(), c.actor(), c.rawID); err != nil &&
		guangong.ErrorCode(err) != guangong.EUNAUTHORIZED && guangong.ErrorCode(err) != guangong.ENOTFOUND {
		c.s.log.WarnContext(c.r.Context(), "end session", "err", err)
	}
	c.rawID, c.sess = "", nil
}

// promote replaces the pending session with a complete one: a new id once both factors passed.
func (c *ctx) promote() error {
	user := c.user
	c.endCurrentSession()
	sess, err := c.s.store.CreateSession(c.r.Context(), user.ID, c.actor().IP, false)
	if err != nil {
		return err
	}
	c.setSessionCookie(sess)
	if user.MustChangePassword {
		return c.stop("/password")
	}
	return c.redirect("/")
}

func (s *server) totpForm(c *ctx) error {
	if !c.user.TOTPEnabled {
		return c.stop("/login/enrol")
	}
	return c.render(http.StatusOK, "auth/totp", c.view(tr(c.lang, "totp.title"), nil))
}

func (s *server) totp(c *ctx) error {
	if !c.user.TOTPEnabled {
		return c.stop("/login/enrol")
	}
	code := strings.TrimSpace(c.r.PostFormValue("code"))
	if err := s.store.CheckTOTP(c.r.Context(), c.user.ID, code, c.actor().IP); err != nil {
		v := c.view(tr(c.lang, "totp.title"), nil)
		status, ok := c.formError(v, err)
		if !ok {
			switch guangong.ErrorCode(err) {
			case guangong.EUNAUTHORIZED, guangong.ELOCKED:
				status = httpx.StatusOf(err)
				v.Errors = map[string]string{"code": tr(c.lang, "totp.bad")}
				if guangong.ErrorCode(err) == guangong.ELOCKED {
					v.Errors["code"] = guangong.ErrorMsg(err).In(c.lang)
				}
			default:
				return err
			}
		}
		if v.Errors["code"] == "" {
			v.Errors["code"] = tr(c.lang, "totp.bad")
		}
		return c.render(status, "auth/totp", v)
	}
	return c.promote()
}

type enrolData struct {
	Secret string
	URL    string
	QR     string // a data: URL of the QR code, or ""
}

// newEnrolment makes a new secret for the person and records it in the store as the one
// issued, so that enrolment accepts no other (the form posts it back).
func (c *ctx) newEnrolment() (*enrolData, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "关工台账 guangong", AccountName: c.user.Username})
	if err != nil {
		return nil, guangong.Internal(err)
	}
	if err := c.s.store.OfferTOTP(c.r.Context(), c.actor(), key.Secret()); err != nil {
		return nil, err
	}
	return enrolmentFor(key.Secret(), c.user.Username), nil
}

func enrolmentFor(secret, username string) *enrolData {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "关工台账 guangong", AccountName: username, Secret: mustDecodeSecret(secret)})
	if err != nil {
		return &enrolData{Secret: secret}
	}
	d := &enrolData{Secret: key.Secret(), URL: key.URL()}
	if img, err := key.Image(200, 200); err == nil {
		var buf bytes.Buffer
		if png.Encode(&buf, img) == nil {
			d.QR = "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
		}
	}
	return d
}

// mustDecodeSecret turns the base32 secret shown to the person back into its bytes; a
// mangled one gives nil, and Generate then makes a fresh secret.
func mustDecodeSecret(s string) []byte {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(s, "=")))
	if err != nil || s == "" {
		return nil
	}
	return b
}

func (s *server) enrolForm(c *ctx) error {
	if c.user.TOTPEnabled {
		return c.stop("/login/totp")
	}
	d, err := c.newEnrolment()
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "auth/enrol", c.view(tr(c.lang, "enrol.title"), d))
}

// enrol saves the second factor; the code proves the person holds the secret, so it
// completes the login too.
func (s *server) enrol(c *ctx) error {
	if c.user.TOTPEnabled {
		return c.stop("/login/totp")
	}
	if err := c.saveTOTP("auth/enrol", "enrol.title"); err != nil {
		return err
	}
	return c.promote()
}

// saveTOTP enrols the secret posted with the form; on a bad code it shows the form again
// (same secret) and returns errHandled.
func (c *ctx) saveTOTP(page, title string) error {
	secret := strings.TrimSpace(c.r.PostFormValue("secret"))
	code := strings.TrimSpace(c.r.PostFormValue("code"))
	if secret == "" {
		// The form always carries its secret; without one there is nothing to enrol
		// (and to the store an empty secret would mean "remove"), so start afresh.
		if err := c.redirect(c.r.URL.Path); err != nil {
			return err
		}
		return errHandled
	}
	err := c.s.store.SetTOTP(c.r.Context(), c.actor(), secret, code)
	if err == nil {
		return nil
	}
	d := enrolmentFor(secret, c.user.Username)
	if _, bad := guangong.FieldErrors(err)["secret"]; bad {
		// Not the secret this page issued: never show it back; issue a fresh one.
		var derr error
		if d, derr = c.newEnrolment(); derr != nil {
			return derr
		}
	}
	v := c.view(tr(c.lang, title), d)
	status, ok := c.formError(v, err)
	if !ok {
		if guangong.ErrorCode(err) != guangong.EUNAUTHORIZED {
			return err
		}
		status = http.StatusUnprocessableEntity
		v.Errors = map[string]string{}
	}
	if m := v.Errors["secret"]; m != "" {
		v.Errors["code"] = m
	}
	if v.Errors["code"] == "" {
		v.Errors["code"] = tr(c.lang, "totp.bad")
	}
	if rerr := c.render(status, page, v); rerr != nil {
		return rerr
	}
	return errHandled
}

func (s *server) logout(c *ctx) error {
	c.endCurrentSession()
	c.clearSessionCookie()
	return c.redirect("/login")
}

type passwordData struct {
	Forced bool
	Next   string // where to go once the password is changed (see safeNext)
}

func (s *server) passwordForm(c *ctx) error {
	return c.render(http.StatusOK, "auth/password", c.view(tr(c.lang, "password.title"),
		passwordData{Forced: c.user.MustChangePassword, Next: safeNext(c.r.URL.Query().Get("next"))}))
}

func (s *server) changePassword(c *ctx) error {
	// Field names match the store's, so its messages land beside the right inputs.
	old, pw, again := c.r.PostFormValue("oldPassword"), c.r.PostFormValue("newPassword"), c.r.PostFormValue("repeat")
	var val guangong.Validation
	if old == "" {
		val.Add("oldPassword", "请输入原密码", "Enter your current password")
	}
	if m := guangong.PasswordProblem("newPassword", pw, c.user.Username); m != nil {
		val.Add("newPassword", m.Zh, m.En)
	}
	if pw != again {
		val.Add("repeat", "两次输入的新密码不一致", "The two new passwords differ")
	}
	err := val.Err()
	if err == nil {
		err = s.store.ChangePassword(c.r.Context(), c.actor(), old, pw, c.rawID)
		if guangong.ErrorCode(err) == guangong.EUNAUTHORIZED {
			// A wrong current password, not a lost session: say so beside the field.
			var v guangong.Validation
			v.Add("oldPassword", "原密码不正确", "The current password is wrong")
			err = v.Err()
		}
	}
	if err != nil {
		v := c.view(tr(c.lang, "password.title"), passwordData{Forced: c.user.MustChangePassword, Next: safeNext(c.r.PostFormValue("next"))})
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "auth/password", v)
	}
	if next := safeNext(c.r.PostFormValue("next")); next != "" {
		return c.redirect(next)
	}
	return c.redirect("/?changed=1")
}
