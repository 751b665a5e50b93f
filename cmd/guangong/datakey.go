package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"guangong"
	"guangong/sqlstore"
)

// The data key encrypts ID numbers and phones at rest. It comes from configuration, never
// from the database: GUANGONG_DATA_KEY (base64 of 32 bytes), or a key file
// (--data-key-file / GUANGONG_DATA_KEY_FILE). A missing key file is made only for a database
// without accounts, so a key can never be silently replaced under data it encrypted.

func decodeKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != 32 {
		return nil, errors.New("the data key must be 32 bytes, base64-encoded")
	}
	return key, nil
}

// dataKey loads the data key as serve does: GUANGONG_DATA_KEY, else the key file. It
// answers nil, without error, when neither is there, and never makes a key: for commands
// that open an existing database (backup, restore).
func (e *env) dataKey(keyFile string) ([]byte, error) {
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

// openServing opens and migrates the database for serve and demo, with the data key.
func (e *env) openServing(ctx context.Context, dsn, keyFile string) (*sqlstore.DB, error) {
	key, err := e.dataKey(keyFile)
	if err != nil {
		return nil, err
	}
	if key != nil {
		return e.open(ctx, dsn, sqlstore.WithDataKey(key))
	}
	db, err := e.open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	_, n, err := db.FindUsers(ctx, guangong.SystemActor("start"), guangong.UserFilter{Page: guangong.Page{Limit: 1}})
	if err != nil || n > 0 {
		if err == nil {
			fmt.Fprintf(e.stderr, "警告：未找到数据加密密钥 %s，身份证号和电话将无法读写 (warning: no data key; ID numbers and phones cannot be read or written)\n", keyFile)
		}
		return db, err
	}
	db.Close()
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing the data key: %w", err)
	}
	fmt.Fprintf(e.stdout, "已生成数据加密密钥 %s：请与数据库分开妥善备份，丢失后身份证号和电话无法解密。\n", keyFile)
	return e.open(ctx, dsn, sqlstore.WithDataKey(key))
}
