package sqlstore_test

import (
	"testing"

	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestFixture(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		if f.VillageA.Depth != 2 || f.Users["admin"].TOTPEnabled != true {
			t.Fatalf("fixture: %+v %+v", f.VillageA, f.Users["admin"])
		}
	})
}
