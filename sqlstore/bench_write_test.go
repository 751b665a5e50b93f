package sqlstore_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// BenchmarkCreateEventParallel records activities from many goroutines at once (-cpu sets
// the parallelism: 25 on 2 CPUs is 50 writers), each audited and counted in the tallies,
// on SQLite with each durability setting: what a town's clerks entering at once wait on.
func BenchmarkCreateEventParallel(b *testing.B) {
	for _, sync := range []string{sqlstore.SQLiteSyncFull, sqlstore.SQLiteSyncNormal} {
		b.Run("sqlite-"+sync, func(b *testing.B) {
			db, err := sqlstore.Open(filepath.Join(b.TempDir(), "w.db"), sqlstore.WithDataKey(storetest.DataKey),
				sqlstore.WithSQLiteSync(sync))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			f := storetest.NewFixture(b, db)
			clerk := f.Actor("townclerk")
			b.SetParallelism(25)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					e := newActivity(f.VillageA, fmt.Sprint("并发录入", i), "central", "2025-05-01 09:00")
					if err := db.CreateEvent(ctx, clerk, e); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
