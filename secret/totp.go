package secret

import (
	"crypto/subtle"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// NewTOTPKey makes a new second-factor secret for account; url is the otpauth:// URL an
// authenticator app reads from a QR code.
func NewTOTPKey(issuer, account string) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account})
	if err != nil {
		return "", "", err
	}
	return key.Secret(), key.URL(), nil
}

// totpOpts: 30-second steps, 6 digits, SHA1 (what every authenticator app does), and one
// step of skew either way for slow typing and clock drift.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// CheckTOTP reports whether code is valid for secret at now, allowing ±1 step.
func CheckTOTP(secret, code string, now time.Time) bool {
	_, ok := MatchTOTP(secret, code, now)
	return ok
}

// TOTPStep is the time step (Unix seconds / 30) whose code an authenticator shows at t.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(totpOpts.Period) }

// MatchTOTP reports which time step code belongs to, trying the steps of now-30 s, now and
// now+30 s. It computes each code itself and compares in constant time, so that the
// caller can refuse a step already used (RFC 6238 §5.2: a code is accepted once).
func MatchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	if secret == "" || len(code) != 6 {
		return 0, false
	}
	base := TOTPStep(now)
	for d := -int64(totpOpts.Skew); d <= int64(totpOpts.Skew); d++ {
		s := base + d
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*int64(totpOpts.Period), 0), totpOpts)
		if err != nil {
			return 0, false
		}
		// Every candidate is compared, matched or not, so the time taken says nothing.
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}

// TOTPCode returns the code for secret at t (for tests and tools).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// ValidTOTPSecret reports whether s is a usable base32 secret.
func ValidTOTPSecret(s string) bool {
	_, err := totp.GenerateCodeCustom(s, time.Unix(0, 0), totpOpts)
	return s != "" && err == nil
}
