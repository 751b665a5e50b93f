package guangong

import (
	"context"
	"time"
)

// Session policy.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
)

// Session is a logged-in browser. Its id is a 128-bit random value the store keeps only
// hashed; the raw id lives in the cookie.
type Session struct {
	ID         string // the raw id; set only when the session is created
	UserID     string
	CSRFToken  string
	MFAPending bool // password checked, second factor not yet
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
}

// Token is an API token. Only its hash is stored; the raw value is shown once.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"userId"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// AuthService checks credentials and keeps sessions and tokens. Failed and successful
// logins, logouts and lockouts are audited here.
type AuthService interface {
	// Login checks a password. It counts failures and locks the account after
	// MaxFailedLogins; bad username and bad password give the same EUNAUTHORIZED.
	Login(ctx context.Context, username, password, ip string) (*User, error)
	// CheckTOTP checks a second-factor code for a user who passed Login.
	CheckTOTP(ctx context.Context, userID, code, ip string) error
	// CreateSession starts a session; the result carries the raw id.
	CreateSession(ctx context.Context, userID, ip string, mfaPending bool) (*Session, error)
	// SessionUser resolves a raw session id, enforcing idle and absolute expiry, and
	// records activity. Expired or unknown ids give EUNAUTHORIZED.
	SessionUser(ctx context.Context, rawID string) (*Session, *User, error)
	// EndSession ends one session (logout).
	EndSession(ctx context.Context, a *Actor, rawID string) error
	// TokenUser resolves a raw API token to its account; revoked or unknown give EUNAUTHORIZED.
	TokenUser(ctx context.Context, rawToken string) (*User, error)
	CreateToken(ctx context.Context, a *Actor, userID, name string) (raw string, t *Token, err error)
	FindTokens(ctx context.Context, a *Actor, userID string) ([]*Token, error)
	RevokeToken(ctx context.Context, a *Actor, id string) error
	// Bootstrap creates the first system administrator with a random one-time password
	// when the database has no account. It returns "" when accounts already exist.
	Bootstrap(ctx context.Context, rootName string) (username, password string, err error)
}
