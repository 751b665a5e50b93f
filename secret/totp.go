package secret

import (
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
	if secret == "" || len(code) != 6 {
		return false
	}
	ok, err := totp.ValidateCustom(code, secret, now, totpOpts)
	return err == nil && ok
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
