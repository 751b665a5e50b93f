package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"math/big"
	"strings"

	"guangong"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error on supported platforms (Go 1.24+).
	_, _ = rand.Read(b)
	return b
}

// NewSessionID returns a 128-bit random session id, hex encoded.
func NewSessionID() string { return hex.EncodeToString(randomBytes(16)) }

// NewCSRFToken returns a 128-bit random token for forms, hex encoded.
func NewCSRFToken() string { return hex.EncodeToString(randomBytes(16)) }

// TokenPrefix starts every raw API token, so a leaked one is easy to recognise.
const TokenPrefix = "gg_"

// NewToken returns a raw API token: "gg_" and 32 random bytes in lower-case base32.
func NewToken() string { return TokenPrefix + strings.ToLower(b32.EncodeToString(randomBytes(32))) }

// HashToken is the sha256 (hex) of a session id or API token: the database keeps only
// this, so a copy of it holds no usable credential.
func HashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Alphabets of NewPassword, without look-alikes (0/O, 1/l/I) since it is read aloud or copied by hand.
const (
	pwLower  = "abcdefghijkmnpqrstuvwxyz"
	pwUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwDigit  = "23456789"
	pwSymbol = "-_=+#%@"
)

// NewPassword returns a random 16-character one-time password that passes
// guangong.PasswordProblem. It holds all four character classes, which the policy no longer
// asks for but which makes it as hard to guess as 16 random characters can be.
func NewPassword() string {
	all := pwLower + pwUpper + pwDigit + pwSymbol
	b := make([]byte, 16)
	for i, set := range []string{pwLower, pwUpper, pwDigit, pwSymbol} {
		b[i] = set[randInt(len(set))]
	}
	for i := 4; i < len(b); i++ {
		b[i] = all[randInt(len(all))]
	}
	for i := len(b) - 1; i > 0; i-- { // Fisher-Yates, so the classes are not in fixed places
		j := randInt(i + 1)
		b[i], b[j] = b[j], b[i]
	}
	pw := string(b)
	if guangong.PasswordProblem("password", pw, "") != nil {
		panic("secret: generated password fails the policy") // cannot happen: 16 characters, mixed case, never on the list
	}
	return pw
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(v.Int64())
}
