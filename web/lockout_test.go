package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// The login page answers an unknown username exactly as an existing one: 401 for the
// first four wrong passwords, then 423 "locked" for both, with the same page.
func TestLoginLockoutUnknownUsername(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		try := func(name string) []resp {
			c := s.client()
			var out []resp
			for range guangong.MaxFailedLogins + 1 {
				out = append(out, c.post("/login", url.Values{"username": {name}, "password": {"Wrong-Pass-1"}}))
			}
			return out
		}
		known, unknown := try("villageclerk"), try("no.such.person")
		for i := range known {
			want := http.StatusUnauthorized
			if i >= guangong.MaxFailedLogins-1 {
				want = http.StatusLocked
			}
			if known[i].status != want || unknown[i].status != want {
				t.Fatalf("attempt %d: known %d, unknown %d, want %d", i+1, known[i].status, unknown[i].status, want)
			}
			msg := func(r resp) string { return between(r.body, `<main`, `</main>`) }
			k, u := msg(known[i]), msg(unknown[i])
			if k != strings.Replace(u, "no.such.person", "villageclerk", -1) {
				t.Fatalf("attempt %d: pages differ\n%s\n---\n%s", i+1, k, u)
			}
		}
		check(t, scenario{status: http.StatusLocked, want: []string{"账号已锁定"}},
			s.client().post("/login", url.Values{"username": {"no.such.person"}, "password": {storetest.Password}}), s)
	})
}
