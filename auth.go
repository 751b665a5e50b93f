package guangong

import (
	"context"
	"time"
)

// Session policy.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
	// ReauthWindow: minting an API token needs a password (or second-factor) check this
	// recent in the session; an older session is asked for the password again.
	ReauthWindow = 10 * time.Minute
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
	AuthAt     time.Time // the last password or second-factor check (login, or Reauthenticate)
}

// Token is an API token. Only its hash is stored; the raw value is shown once.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"userId"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"` // none: it does not expire
}

// TokenLifetimes are the lifetimes a person may give a new API token (0: no expiry).
var TokenLifetimes = []int{30, 90, 365, 0}

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
	// Reauthenticate checks the password again in a logged-in session (counted like a
	// login) and records the time, which makes the session's authentication recent.
	Reauthenticate(ctx context.Context, a *Actor, rawSessionID, password string) error
	// EndSession ends one session (logout).
	EndSession(ctx context.Context, a *Actor, rawID string) error
	// TokenUser resolves a raw API token to its account; revoked or unknown give EUNAUTHORIZED.
	TokenUser(ctx context.Context, rawToken string) (*User, error)
	// CreateToken mints a token for the actor's own account; expireDays 0 means it does not
	// expire. An actor that came with a token (ViaToken) or without a recent
	// authentication (AuthAt older than ReauthWindow) is refused: a token cannot mint tokens.
	CreateToken(ctx context.Context, a *Actor, userID, name string, expireDays int) (raw string, t *Token, err error)
	FindTokens(ctx context.Context, a *Actor, userID string) ([]*Token, error)
	RevokeToken(ctx context.Context, a *Actor, id string) error
	// Bootstrap creates the first system administrator with a random one-time password
	// when the database has no account. It returns "" when accounts already exist.
	Bootstrap(ctx context.Context, rootName string) (username, password string, err error)
}
