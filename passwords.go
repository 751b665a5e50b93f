package guangong

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordList is the list of passwords too common to allow; see the file's header
// for its source and licence.
//
//go:embed secret/common-passwords.txt
var commonPasswordList string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := make(map[string]bool, 10100)
	for line := range strings.Lines(commonPasswordList) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = true
	}
	return m
})

// CommonPassword reports whether pw is on the list of common passwords, ignoring case.
func CommonPassword(pw string) bool { return commonPasswords()[strings.ToLower(pw)] }
