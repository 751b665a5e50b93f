package sqlstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"guangong"
)

// Sealing: ID numbers and phones are stored AES-256-GCM encrypted with a random nonce, as
// "v1:" + base64(nonce ‖ ciphertext), the field name as associated data (a value cannot be
// moved to another column unnoticed). Lookups of equal ID numbers use a blind index, the
// HMAC-SHA256 of the normalised number. Both keys, and the audit trail's (audit.go), are
// derived from the configured data key, which never enters the database.

const sealPrefix = "v1:"

// Option configures Open.
type Option func(*DB) error

// WithDataKey sets the 32-byte key that seals ID numbers and phones and keys the audit chain.
func WithDataKey(key []byte) Option {
	return func(db *DB) error {
		s, err := newSealer(key)
		if err != nil {
			return err
		}
		db.seal = s
		return nil
	}
}

type sealer struct {
	aead     cipher.AEAD
	macKey   []byte
	auditKey []byte // the audit chain's HMAC key
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("sqlstore: the data key must be 32 bytes, got %d", len(key))
	}
	encKey, err := hkdf.Key(sha256.New, key, nil, "guangong people seal v1", 32)
	if err != nil {
		return nil, err
	}
	macKey, err := hkdf.Key(sha256.New, key, nil, "guangong id index v1", 32)
	if err != nil {
		return nil, err
	}
	auditKey, err := hkdf.Key(sha256.New, key, nil, "guangong audit chain v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead, macKey: macKey, auditKey: auditKey}, nil
}

// noKeyErr answers a write of a sealed field when no data key is configured: nothing is
// saved rather than a plain value.
func noKeyErr(field string) error {
	return fieldErr(field, "未配置数据加密密钥，无法保存身份证号和电话", "No data encryption key is configured: ID numbers and phones cannot be saved")
}

// sealField seals plain for column field; "" stays "" (nothing to hide).
func (db *DB) sealField(field, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if db.seal == nil {
		return "", noKeyErr(field)
	}
	nonce := make([]byte, db.seal.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := db.seal.aead.Seal(nonce, nonce, []byte(plain), []byte(field))
	return sealPrefix + base64.StdEncoding.EncodeToString(ct), nil
}

var errNoKey = errors.New("sqlstore: sealed values in the database but no data key configured")

// openField reverses sealField.
func (db *DB) openField(field, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	if db.seal == nil {
		return "", errNoKey
	}
	rest, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", fmt.Errorf("sqlstore: %s: unknown seal version", field)
	}
	ct, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("sqlstore: %s: %w", field, err)
	}
	n := db.seal.aead.NonceSize()
	if len(ct) < n {
		return "", fmt.Errorf("sqlstore: %s: sealed value too short", field)
	}
	plain, err := db.seal.aead.Open(nil, ct[:n], ct[n:], []byte(field))
	if err != nil {
		return "", fmt.Errorf("sqlstore: %s: %w (wrong data key?)", field, err)
	}
	return string(plain), nil
}

// idHash is the blind index of an ID number; "" for none.
func (db *DB) idHash(field, id string) (string, error) {
	id = guangong.NormalizeIDNumber(id)
	if id == "" {
		return "", nil
	}
	if db.seal == nil {
		return "", noKeyErr(field)
	}
	m := hmac.New(sha256.New, db.seal.macKey)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)), nil
}
