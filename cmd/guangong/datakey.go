package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"guangong"
	"guangong/sqlstore"
)

// The data key encrypts ID numbers and phones at rest and keys the audit chain (an
// HMAC-SHA256 per entry under a key derived from it). It comes from configuration, never
// from the database: GUANGONG_DATA_KEY (base64 of 32 bytes), or a key file
// (--data-key-file / GUANGONG_DATA_KEY_FILE, by default beside the SQLite file). Every
// command that writes or checks the trail loads it the same way, through openKeyed. A
// missing key file is made only by serve and demo, and only for a database without
// accounts, so a key can never be silently replaced under data it encrypted or a trail it
// keyed; a database with accounts and no key is refused.

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != 32 {
		return nil, errors.New("the data key must be 32 bytes, base64-encoded")
	}
	return key, nil
}

// keyFlag adds --data-key-file to fs; keyPath gives its value once fs is parsed.
func (e *env) keyFlag(fs *flag.FlagSet) *string {
	return fs.String("data-key-file", e.getenv("GUANGONG_DATA_KEY_FILE"),
		"file holding the data key, which encrypts ID numbers and phones and keys the audit trail (default: beside the SQLite file, or ./guangong.key)")
}

// keyPath is the key file: as given, else beside a SQLite file (g.db: g.key), else ./guangong.key.
func keyPath(keyFile, dsn string) string {
	if keyFile != "" {
		return keyFile
	}
	if !strings.Contains(dsn, "://") {
		// The file a SQLite dsn names (file: URI and parameters dropped), so that
		// file:g.db?… finds g.key like g.db does.
		if file, err := sqlstore.SQLiteFile(dsn); err == nil {
			dsn = file
		}
		return strings.TrimSuffix(dsn, filepath.Ext(dsn)) + ".key"
	}
	return "guangong.key"
}

// loadKey reads the data key from GUANGONG_DATA_KEY, else from keyFile; nil when neither
// is there.
func (e *env) loadKey(keyFile string) ([]byte, error) {
	if s := e.getenv("GUANGONG_DATA_KEY"); s != "" {
		key, err := decodeKey(s)
		if err != nil {
			return nil, fmt.Errorf("GUANGONG_DATA_KEY: %w", err)
		}
		return key, nil
	}
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	key, err := decodeKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	return key, nil
}

// noKey says what is missing and where it was looked for.
func noKey(keyFile string) string {
	return fmt.Sprintf("未找到数据加密密钥（GUANGONG_DATA_KEY 或密钥文件 %s）(no data key: neither GUANGONG_DATA_KEY nor the key file %s)", keyFile, keyFile)
}

// openKeyed opens and migrates the database with the data key (migrating re-keys a trail
// kept by an older build). Without a key it refuses a database that has accounts: their
// trail can be neither appended to nor verified, nor their sealed fields read. An empty
// database opens without a key, or, when generate is set (serve, demo), with a new key
// written to keyFile.
func (e *env) openKeyed(ctx context.Context, dsn, keyFile string, generate bool) (*sqlstore.DB, error) {
	key, err := e.loadKey(keyFile)
	if err != nil {
		return nil, err
	}
	if key != nil {
		db, err := e.open(ctx, dsn, sqlstore.WithDataKey(key))
		if err != nil {
			return nil, err
		}
		// Another database's key would break the trail at the first entry written with it,
		// and seal fields no one could read back.
		if err := db.CheckAuditKey(ctx); err != nil {
			db.Close()
			where := keyFile
			if e.getenv("GUANGONG_DATA_KEY") != "" {
				where = "GUANGONG_DATA_KEY"
			}
			return nil, fmt.Errorf("数据加密密钥（%s）校验不了此数据库的审计日志：不是该数据库的密钥；未做任何改动。请用该数据库自己的密钥（并可运行 guangong audit verify 查看）\n"+
				"(the data key (%s) does not verify this database's audit trail: it is not the database's key; nothing was changed. Use the database's own key; guangong audit verify tells more): %w", where, where, err)
		}
		return db, nil
	}
	db, err := e.open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", noKey(keyFile), err)
	}
	_, n, err := db.FindUsers(ctx, guangong.SystemActor("start"), guangong.UserFilter{Page: guangong.Page{Limit: 1}})
	if err != nil || n > 0 || !generate {
		if err == nil && n > 0 {
			err = fmt.Errorf("数据库已有账号，须用其数据加密密钥打开：%s。请恢复密钥文件或设置 GUANGONG_DATA_KEY；审计日志链和加密字段都依赖它 (the database has accounts and needs its data key: restore the key file or set GUANGONG_DATA_KEY; the audit trail and the sealed fields depend on it)", noKey(keyFile))
		}
		if err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	db.Close()
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing the data key: %w", err)
	}
	fmt.Fprintf(e.stdout, "已生成数据加密密钥 %s：请与数据库分开妥善备份，丢失后身份证号和电话无法解密，审计日志也无法再校验或追加。\n", keyFile)
	return e.open(ctx, dsn, sqlstore.WithDataKey(key))
}

// openChecking opens the database with the data key, without migrating: a check must not
// change the schema of the database it checks.
func (e *env) openChecking(dsn, keyFile string) (*sqlstore.DB, error) {
	key, err := e.loadKey(keyFile)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, errors.New(noKey(keyFile) + "：审计日志链按它校验 (the audit trail is verified with it)")
	}
	return sqlstore.Open(dsn, sqlstore.WithDataKey(key))
}
