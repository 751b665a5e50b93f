package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// --debug-addr serves net/http/pprof on a listener of its own; the site never does.
func TestDebugListenerServesProfilesApart(t *testing.T) {
	dir := t.TempDir()
	db, key := filepath.Join(dir, "g.db"), filepath.Join(dir, "g.key")
	base, out := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--data-key-file", key,
		"--debug-addr", "127.0.0.1:0")
	m := regexp.MustCompile(`profiling \(pprof\) on (http://\S+/debug/pprof/)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no profiling address printed:\n%s", out.String())
	}
	if status, body := get(t, m[1], ""); status != 200 || !strings.Contains(body, "goroutine") || !strings.Contains(body, "heap") {
		t.Fatalf("profiling index: %d\n%s", status, body)
	}
	if status, body := get(t, m[1]+"heap?debug=1", ""); status != 200 || !strings.Contains(body, "HeapAlloc") {
		t.Fatalf("heap profile: %d", status)
	}
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap?debug=1", "/debug/pprof/cmdline"} {
		if status, body := get(t, base+p, ""); status == 200 || strings.Contains(body, "HeapAlloc") || strings.Contains(body, "goroutine profile") {
			t.Errorf("the site serves %s: %d", p, status)
		}
	}

	// Off by default.
	_, plain := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", db, "--data-key-file", key)
	if strings.Contains(plain.String(), "pprof") {
		t.Errorf("profiling on without --debug-addr:\n%s", plain.String())
	}
}

func TestDebugAddrMustBeLoopback(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.168.1.5:6060", "[::]:6060", "example.com:6060", "6060"} {
		_, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--db", db, "--debug-addr", addr)
		if err == nil || !strings.Contains(err.Error(), "loopback") && !strings.Contains(err.Error(), "--debug-addr") {
			t.Errorf("--debug-addr %s: %v", addr, err)
		}
	}
	// The environment variable stands for the flag, and is held to the same rule.
	env := func(k string) string {
		if k == "GUANGONG_DEBUG_ADDR" {
			return "0.0.0.0:6060"
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"guangong", "serve", "--addr", "127.0.0.1:0", "--db", db}, env, strings.NewReader(""), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("GUANGONG_DEBUG_ADDR=0.0.0.0:6060: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:0"} {
		if err := checkDebugAddr(addr); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}
