package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Writes that arrive together commit together, and each answers for itself: a failed or
// panicking write leaves nothing behind, the others are all saved.
func TestGroupCommitEachWriteForItself(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.writer.Exec(`CREATE TABLE gc (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	// The first write holds the writer until the others have queued behind it.
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.inTx(ctx, func(tx *Tx) error {
			<-release
			_, err := tx.ExecContext(tx.ctx, `INSERT INTO gc (id, v) VALUES (1000, 'first')`)
			return err
		})
	}()
	time.Sleep(50 * time.Millisecond)
	const n = 40
	errs := make([]error, n)
	var wg sync.WaitGroup
	failed := errors.New("refused")
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.inTx(ctx, func(tx *Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO gc (id, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i)); err != nil {
					return err
				}
				switch i % 5 {
				case 1:
					return failed // after its insert: the savepoint must undo it
				case 2:
					panic("boom")
				case 3: // a unique violation, inside the group's transaction
					_, err := tx.ExecContext(ctx, `INSERT INTO gc (id, v) VALUES (1000, 'again')`)
					return err
				}
				return nil
			})
		}()
	}
	time.Sleep(100 * time.Millisecond) // let them queue
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if db.group.largest < 2 {
		t.Fatalf("no two writes shared a commit (largest group %d)", db.group.largest)
	}
	for i, err := range errs {
		var n int
		if err := db.writer.QueryRow(`SELECT COUNT(*) FROM gc WHERE id = $1`, i).Scan(&n); err != nil {
			t.Fatal(err)
		}
		switch i % 5 {
		case 1, 2, 3:
			if err == nil || n != 0 {
				t.Errorf("write %d should fail and leave nothing: err %v, %d rows", i, err, n)
			}
		default:
			if err != nil || n != 1 {
				t.Errorf("write %d should be saved: err %v, %d rows", i, err, n)
			}
		}
	}

	// A write whose request has ended while it waited is not run.
	block := make(chan struct{})
	go db.inTx(ctx, func(tx *Tx) error { <-block; return nil })
	time.Sleep(20 * time.Millisecond)
	gone, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- db.inTx(gone, func(tx *Tx) error {
			_, err := tx.ExecContext(tx.ctx, `INSERT INTO gc (id, v) VALUES (2000, 'late')`)
			return err
		})
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	close(block)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("an ended request's write: %v", err)
	}
	var late int
	db.writer.QueryRow(`SELECT COUNT(*) FROM gc WHERE id = 2000`).Scan(&late)
	if late != 0 {
		t.Fatal("an ended request's write was saved")
	}
}
