package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// Clerks of one committee issuing certificates at the same moment get consecutive,
// distinct serials, none refused: on PostgreSQL the transactions really overlap.
func TestCertificatesIssuedAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("townclerk")
		const n = 12
		var vols []string
		for i := range n {
			v := mustVolunteer(t, db, clerk, newVolunteer(f.Town, fmt.Sprintf("证书%02d", i), "1952-05-01"))
			addHours(t, db, f.Town.ID, v.ID, "2024-03-01", "confirmed", 120)
			vols = append(vols, v.ID)
		}
		serials := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c := &guangong.Certificate{VolunteerID: vols[i], OrgID: f.Town.ID, From: "2024-01-01", To: "2024-12-31"}
				errs[i] = db.IssueCertificate(ctx, clerk, c)
				serials[i] = c.Serial
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, err := range errs {
			if err != nil {
				t.Errorf("certificate %d: %v", i, err)
				continue
			}
			if seen[serials[i]] {
				t.Errorf("serial %s issued twice", serials[i])
			}
			seen[serials[i]] = true
		}
		year := db.Now().In(guangong.Shanghai).Format("2006")
		for k := 1; k <= n; k++ {
			if s := fmt.Sprintf("%s-%s-%05d", f.Town.Code, year, k); !seen[s] {
				t.Errorf("no certificate %s among %v", s, serials)
			}
		}
	})
}
