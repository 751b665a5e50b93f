package main

import "errors"

// A SQLite database D is guarded by a lock on the file D.lock, taken without waiting:
// shared by every command that opens D for use (serve, demo, migrate, backup, …) for as
// long as it runs, exclusive by restore. So restore refuses while anything uses D, and
// nothing opens D while a restore puts a copy in place. The operating system drops a
// lock when its process ends, however it ends (kill -9 included): a stale D.lock file
// locks nothing. The file is never removed.

// errLocked answers a lock another process (or command) holds.
var errLocked = errors.New("the database lock is held")

func lockPath(file string) string { return file + ".lock" }
