package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"guangong"
	"guangong/httpx"
)

// back returns the local page the switch was pressed on, so the person stays where they were.
func (c *ctx) back() string {
	if b := c.r.PostFormValue("back"); strings.HasPrefix(b, "/") && !strings.HasPrefix(b, "//") && !strings.HasPrefix(b, "/\\") {
		if u, err := url.Parse(b); err == nil && u.Host == "" && u.Scheme == "" {
			return b
		}
	}
	return "/"
}

// loggedIn reports a complete session; the switches need CSRF then, as every form does.
func (c *ctx) loggedIn() bool { return c.sess != nil && !c.sess.MFAPending }

func (s *server) setLang(c *ctx) error {
	lang := c.r.PostFormValue("lang")
	if lang != "en" {
		lang = "zh"
	}
	if c.loggedIn() {
		if err := c.checkCSRF(); err != nil {
			return err
		}
		if _, err := s.store.SetPrefs(c.r.Context(), c.actor(), guangong.Prefs{Lang: &lang}); err != nil {
			return err
		}
	}
	c.setPrefCookie(langCookie, lang)
	return c.redirect(c.back())
}

func (s *server) toggleLargeText(c *ctx) error {
	on := !c.largeText
	if v := c.r.PostFormValue("large"); v != "" {
		on = v == "1"
	}
	if c.loggedIn() {
		if err := c.checkCSRF(); err != nil {
			return err
		}
		if _, err := s.store.SetPrefs(c.r.Context(), c.actor(), guangong.Prefs{LargeText: &on}); err != nil {
			return err
		}
	}
	val := "0"
	if on {
		val = "1"
	}
	c.setPrefCookie(largeTextCookie, val)
	return c.redirect(c.back())
}

type settingsData struct {
	Tokens   []tokenRow
	NewToken string // the raw token, shown once
	// NeedReauth: the session's password check is older than guangong.ReauthWindow, so the
	// page asks for the password before it offers to create a token.
	NeedReauth bool
	Lifetimes  []int // the lifetimes offered for a new token, in days (0: no expiry)
}

type tokenRow struct {
	*guangong.Token
	Expired bool
}

func (s *server) settingsData(c *ctx) (*settingsData, error) {
	toks, err := s.store.FindTokens(c.r.Context(), c.actor(), c.user.ID)
	if err != nil {
		return nil, err
	}
	d := &settingsData{NeedReauth: c.needReauth(), Lifetimes: guangong.TokenLifetimes}
	now := time.Now()
	for _, t := range toks {
		d.Tokens = append(d.Tokens, tokenRow{Token: t, Expired: t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)})
	}
	return d, nil
}

// needReauth reports whether the session's last password check is too old to mint a token
// (the store has the last word: see tokenCreate).
func (c *ctx) needReauth() bool {
	if c.sess == nil {
		return true
	}
	now := time.Now()
	if c.sess.LastSeenAt.After(now) { // the store's clock, when a test moves it
		now = c.sess.LastSeenAt
	}
	return now.Sub(c.sess.AuthAt) > guangong.ReauthWindow
}

func (s *server) settings(c *ctx) error {
	d, err := s.settingsData(c)
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "settings/settings", c.view(tr(c.lang, "settings.title"), d))
}

// reauth checks the password again, so that the session may mint a token for a while.
func (s *server) reauth(c *ctx) error {
	err := s.store.Reauthenticate(c.r.Context(), c.actor(), c.rawID, c.r.PostFormValue("reauthPassword"))
	if err == nil {
		return c.redirect("/settings")
	}
	code := guangong.ErrorCode(err)
	if code != guangong.EUNAUTHORIZED && code != guangong.ELOCKED {
		return err
	}
	d, derr := s.settingsData(c)
	if derr != nil {
		return derr
	}
	v := c.view(tr(c.lang, "settings.title"), d)
	msg := tr(c.lang, "tokens.reauthBad")
	if code == guangong.ELOCKED {
		msg = guangong.ErrorMsg(err).In(c.lang)
	}
	v.Message, v.Errors = msg, map[string]string{"reauthPassword": msg}
	return c.render(httpx.StatusOf(err), "settings/settings", v)
}

func (s *server) savePrefs(c *ctx) error {
	lang := c.r.PostFormValue("lang")
	large := c.r.PostFormValue("largeText") == "1"
	if _, err := s.store.SetPrefs(c.r.Context(), c.actor(), guangong.Prefs{Lang: &lang, LargeText: &large}); err != nil {
		d, derr := s.settingsData(c)
		if derr != nil {
			return derr
		}
		v := c.view(tr(c.lang, "settings.title"), d)
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "settings/settings", v)
	}
	c.setPrefCookie(langCookie, lang)
	return c.redirect("/settings")
}

func (s *server) tokenCreate(c *ctx) error {
	name := strings.TrimSpace(c.r.PostFormValue("name"))
	if c.needReauth() {
		// Asked again rather than refused outright: the page shows the password form.
		d, err := s.settingsData(c)
		if err != nil {
			return err
		}
		v := c.view(tr(c.lang, "settings.title"), d)
		v.Message = tr(c.lang, "tokens.reauth")
		return c.render(http.StatusForbidden, "settings/settings", v)
	}
	days, perr := strconv.Atoi(c.r.PostFormValue("expireDays"))
	if perr != nil || !slices.Contains(guangong.TokenLifetimes, days) {
		days = -1 // the store names the field
	}
	raw, _, err := s.store.CreateToken(c.r.Context(), c.actor(), c.user.ID, name, days)
	d, derr := s.settingsData(c)
	if derr != nil {
		return derr
	}
	v := c.view(tr(c.lang, "settings.title"), d)
	if errors.Is(err, guangong.ErrReauth) {
		d.NeedReauth = true
		v.Message = tr(c.lang, "tokens.reauth")
		return c.render(http.StatusForbidden, "settings/settings", v)
	}
	if err != nil {
		status, ok := c.formError(v, err)
		if !ok {
			return err
		}
		return c.render(status, "settings/settings", v)
	}
	// The raw token exists only in this response: no redirect, so it is shown exactly once.
	d.NewToken = raw
	return c.render(http.StatusOK, "settings/settings", v)
}

func (s *server) tokenRevoke(c *ctx) error {
	if err := s.store.RevokeToken(c.r.Context(), c.actor(), c.r.PathValue("id")); err != nil {
		return err
	}
	return c.redirect("/settings")
}

// The optional second factor for roles that do not require one.
func (s *server) settingsTOTPForm(c *ctx) error {
	if c.user.TOTPEnabled {
		return c.stop("/settings")
	}
	d, err := c.newEnrolment()
	if err != nil {
		return err
	}
	return c.render(http.StatusOK, "auth/enrol", c.view(tr(c.lang, "enrol.title"), d))
}

func (s *server) settingsTOTP(c *ctx) error {
	if c.user.TOTPEnabled {
		return c.stop("/settings")
	}
	if err := c.saveTOTP("auth/enrol", "enrol.title"); err != nil {
		return err
	}
	return c.redirect("/settings")
}
