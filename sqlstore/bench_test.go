package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// provinceTree is a generated province: 100 counties, 2,000 towns (20 each) and 30,000
// villages and schools (15 each), about 32,000 committees and 126,000 closure rows.
type provinceTree struct {
	province string
	counties []string
	towns    []string // towns[i] lies in counties[i/20]
	villages []string // villages[j] lies in towns[j/15]
}

const (
	benchCounties        = 100
	benchTownsPerCounty  = 20
	benchVillagesPerTown = 15
)

// bulkProvince inserts the tree with multi-row INSERTs straight into orgs and org_closure;
// going through CreateOrg would take minutes and measure the wrong thing.
func bulkProvince(b *testing.B, db *sqlstore.DB) *provinceTree {
	b.Helper()
	tr := &provinceTree{province: guangong.NewID()}
	type org struct {
		id, parent, name, code string
		level                  guangong.Level
		ancestors              []string // root first
	}
	var orgs []org
	orgs = append(orgs, org{tr.province, "", "湖南省", "43", guangong.LevelProvince, nil})
	for c := range benchCounties {
		cid := guangong.NewID()
		tr.counties = append(tr.counties, cid)
		orgs = append(orgs, org{cid, tr.province, fmt.Sprintf("县%03d", c), fmt.Sprintf("43%04d", c), guangong.LevelCounty, []string{tr.province}})
		for t := range benchTownsPerCounty {
			tid := guangong.NewID()
			tr.towns = append(tr.towns, tid)
			orgs = append(orgs, org{tid, cid, fmt.Sprintf("县%03d镇%02d", c, t), fmt.Sprintf("43%04d%03d", c, t), guangong.LevelTown,
				[]string{tr.province, cid}})
			for v := range benchVillagesPerTown {
				vid := guangong.NewID()
				tr.villages = append(tr.villages, vid)
				level, kind := guangong.LevelVillage, "村"
				if v >= 12 {
					level, kind = guangong.LevelSchool, "小学"
				}
				orgs = append(orgs, org{vid, tid, fmt.Sprintf("县%03d镇%02d%s%02d", c, t, kind, v),
					fmt.Sprintf("43%04d%03d%03d", c, t, v), level, []string{tr.province, cid, tid}})
			}
		}
	}
	const now = "2026-01-01T00:00:00.000000Z"
	const batch = 500
	for i := 0; i < len(orgs); i += batch {
		chunk := orgs[i:min(i+batch, len(orgs))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO orgs (id, parent_id, name, short_name, level, code, address, contact, established,
			status, dissolved_at, depth, version, created_at, updated_at) VALUES `)
		var args []any
		for k, o := range chunk {
			if k > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, $%d, '', $%d, $%d, '', '', '', 'active', NULL, $%d, 1, $%d, $%d)",
				n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+7)
			var parent any
			if o.parent != "" {
				parent = o.parent
			}
			args = append(args, o.id, parent, o.name, string(o.level), o.code, len(o.ancestors), now)
		}
		if _, err := db.RawExec(ctx, sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	type link struct {
		a, d  string
		depth int
	}
	var links []link
	for _, o := range orgs {
		links = append(links, link{o.id, o.id, 0})
		for k, a := range o.ancestors {
			links = append(links, link{a, o.id, len(o.ancestors) - k})
		}
	}
	for i := 0; i < len(links); i += 2 * batch {
		chunk := links[i:min(i+2*batch, len(links))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO org_closure (ancestor_id, descendant_id, depth) VALUES `)
		var args []any
		for k, l := range chunk {
			if k > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "($%d, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3)
			args = append(args, l.a, l.d, l.depth)
		}
		if _, err := db.RawExec(ctx, sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	// Fresh statistics, as a long-running database would have.
	if _, err := db.RawExec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return tr
}

// benchDB opens a database of kind with the generated province.
func benchDB(b *testing.B, kind string) (*sqlstore.DB, *provinceTree) {
	b.Helper()
	db := storetest.Open(b, kind)
	return db, bulkProvince(b, db)
}

func eachKind(b *testing.B, fn func(b *testing.B, db *sqlstore.DB, tr *provinceTree)) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db, tr := benchDB(b, kind)
			b.ResetTimer()
			fn(b, db, tr)
		})
	}
}

// BenchmarkInScope: a county administrator's permission check on a random village, half
// of them inside its county and half outside.
func BenchmarkInScope(b *testing.B) {
	eachKind(b, func(b *testing.B, db *sqlstore.DB, tr *provinceTree) {
		a := &guangong.Actor{UserID: "u", Username: "countyadmin", Role: guangong.RoleOrgAdmin, OrgID: tr.counties[7]}
		per := benchTownsPerCounty * benchVillagesPerTown
		own := tr.villages[7*per : 8*per]
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; b.Loop(); i++ {
			id, want := own[r.IntN(len(own))], true
			if i%2 == 1 {
				id, want = tr.villages[r.IntN(len(tr.villages))], false
				if id >= own[0] && id <= own[len(own)-1] {
					want = true
				}
			}
			ok, err := db.InScope(ctx, a, id)
			if err != nil {
				b.Fatal(err)
			}
			if want && !ok {
				b.Fatalf("village %s not in scope", id)
			}
		}
	})
}

// BenchmarkListTownSubtree: a county administrator lists one town's whole subtree (16
// committees, with the total and each one's child count), as the tree page does.
func BenchmarkListTownSubtree(b *testing.B) {
	eachKind(b, func(b *testing.B, db *sqlstore.DB, tr *provinceTree) {
		county := 42
		a := &guangong.Actor{UserID: "u", Username: "countyadmin", Role: guangong.RoleOrgAdmin, OrgID: tr.counties[county]}
		r := rand.New(rand.NewPCG(3, 4))
		for b.Loop() {
			town := tr.towns[county*benchTownsPerCounty+r.IntN(benchTownsPerCounty)]
			list, total, err := db.FindOrgs(ctx, a, guangong.OrgFilter{Under: &town})
			if err != nil {
				b.Fatal(err)
			}
			if total != 1+benchVillagesPerTown || len(list) != total {
				b.Fatalf("town subtree %d/%d", len(list), total)
			}
		}
	})
}

// BenchmarkListCountyPage: a county administrator's first page of its whole scope (321
// committees) by name, with the total.
func BenchmarkListCountyPage(b *testing.B) {
	eachKind(b, func(b *testing.B, db *sqlstore.DB, tr *provinceTree) {
		a := &guangong.Actor{UserID: "u", Username: "countyadmin", Role: guangong.RoleOrgAdmin, OrgID: tr.counties[3]}
		for b.Loop() {
			list, total, err := db.FindOrgs(ctx, a, guangong.OrgFilter{})
			if err != nil {
				b.Fatal(err)
			}
			if total != 1+benchTownsPerCounty*(1+benchVillagesPerTown) || len(list) != 50 {
				b.Fatalf("county page %d/%d", len(list), total)
			}
		}
	})
}

// BenchmarkSessionUser: resolving the session cookie, which every page request does.
func BenchmarkSessionUser(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := storetest.Open(b, kind)
			f := storetest.NewFixture(b, db)
			s, err := db.CreateSession(ctx, f.Users["townclerk"].ID, "127.0.0.1", false)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, _, err := db.SessionUser(ctx, s.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
