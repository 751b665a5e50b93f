package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestCreateOrgValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		admin := f.Actor("admin")
		before := auditCount(t, db, "")
		for _, c := range []struct {
			name  string
			org   guangong.Org
			field string
			zh    string
		}{
			{"empty name", guangong.Org{Name: " ", Level: guangong.LevelVillage, Code: "X1", ParentID: f.Town.ID}, "name", "不能为空"},
			{"long name", guangong.Org{Name: strings.Repeat("村", 101), Level: guangong.LevelVillage, Code: "X1", ParentID: f.Town.ID}, "name", "100"},
			{"bad level", guangong.Org{Name: "新村", Level: "hamlet", Code: "X1", ParentID: f.Town.ID}, "level", ""},
			{"level not under parent", guangong.Org{Name: "新县", Level: guangong.LevelCounty, Code: "X1", ParentID: f.Town.ID}, "level", "之下不能设立"},
			{"bad code", guangong.Org{Name: "新村", Level: guangong.LevelVillage, Code: "a b", ParentID: f.Town.ID}, "code", ""},
			{"empty code", guangong.Org{Name: "新村", Level: guangong.LevelVillage, ParentID: f.Town.ID}, "code", "不能为空"},
			{"future date", guangong.Org{Name: "新村", Level: guangong.LevelVillage, Code: "X1", ParentID: f.Town.ID, Established: "2999-01-01"}, "established", ""},
			{"missing parent", guangong.Org{Name: "新村", Level: guangong.LevelVillage, Code: "X1", ParentID: guangong.NewID()}, "parentId", "上级组织不存在"},
		} {
			o := c.org
			err := db.CreateOrg(ctx, admin, &o)
			wantCode(t, err, guangong.EINVALID)
			wantField(t, err, c.field, c.zh)
		}
		// A root is for the system actor only.
		err := db.CreateOrg(ctx, admin, &guangong.Org{Name: "新省", Level: guangong.LevelProvince, Code: "P1"})
		wantField(t, err, "parentId", "")

		// Duplicate code: ECONFLICT naming the field.
		dup := &guangong.Org{Name: "重复", Level: guangong.LevelVillage, Code: "V001", ParentID: f.Town.ID}
		err = db.CreateOrg(ctx, admin, dup)
		wantCode(t, err, guangong.ECONFLICT)
		if dup.ID != "" {
			t.Fatalf("failed create left id %q", dup.ID)
		}
		wantField(t, err, "code", "该代码已被使用")
		if m := guangong.ErrorMsg(err); m.Zh != "该代码已被使用" {
			t.Fatalf("conflict message %q", m.Zh)
		}

		// Nothing was saved and no change audited: the only new entry is the denial of the
		// guessed parent id.
		if got := auditCount(t, db, ""); got != before+1 {
			t.Fatalf("audit entries %d -> %d after failed creates, want one denial", before, got)
		}
		if got := auditCount(t, db, guangong.ActionDenied); got != 1 {
			t.Fatalf("denied entries %d, want 1 (the missing parent)", got)
		}
		_, total, err := db.FindOrgs(ctx, sys, guangong.OrgFilter{IncludeDissolved: true})
		if err != nil || total != 6 {
			t.Fatalf("orgs after failed creates: %d %v", total, err)
		}
	})
}

func TestCreateOrg(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		ta := f.Actor("townadmin")
		o := &guangong.Org{Name: " 红星村 ", ShortName: "红星", Level: guangong.LevelVillage, Code: "V003",
			ParentID: f.Town.ID, Address: "低庄镇红星村", Established: "2019-05-01"}
		if err := db.CreateOrg(ctx, ta, o); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindOrgByID(ctx, ta, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "红星村" || got.Depth != 2 || got.Version != 1 || got.Status != guangong.OrgActive ||
			got.ParentID != f.Town.ID || got.Established != "2019-05-01" || got.CreatedAt.IsZero() {
			t.Fatalf("created org %+v", got)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionCreate || e.ObjectID != o.ID || e.OrgID != o.ID || e.Username != "townadmin" || e.IP != "127.0.0.1" {
			t.Fatalf("audit %+v", e)
		}
		byRef, err := db.FindOrgByRef(ctx, ta, "V003")
		if err != nil || byRef.ID != o.ID {
			t.Fatalf("by code: %v %v", byRef, err)
		}
		town, _ := db.FindOrgByID(ctx, ta, f.Town.ID)
		if town.ChildCount != 4 {
			t.Fatalf("town child count %d", town.ChildCount)
		}
		// A clerk may not create committees; the refusal is audited.
		err = db.CreateOrg(ctx, f.Actor("townclerk"), &guangong.Org{Name: "某村", Level: guangong.LevelVillage, Code: "V009", ParentID: f.Town.ID})
		wantCode(t, err, guangong.EFORBIDDEN)
		if e := lastAudit(t, db); e.Action != guangong.ActionDenied || e.Result != guangong.ResultDenied || e.Username != "townclerk" {
			t.Fatalf("denial audit %+v", e)
		}
		// A parent outside scope is a field error, audited as denied, nothing saved.
		n := auditCount(t, db, guangong.ActionCreate)
		err = db.CreateOrg(ctx, ta, &guangong.Org{Name: "某村", Level: guangong.LevelVillage, Code: "V009", ParentID: f.OtherTown.ID})
		wantField(t, err, "parentId", "上级组织不存在")
		if auditCount(t, db, guangong.ActionCreate) != n {
			t.Fatal("failed create audited as create")
		}
		if e := lastAudit(t, db); e.Action != guangong.ActionDenied {
			t.Fatalf("want denial, got %+v", e)
		}
		if _, err := db.FindOrgByRef(ctx, sys, "V009"); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Fatalf("out-of-scope create saved: %v", err)
		}
		verifyOK(t, db)
	})
}

func TestOrgScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		vc := f.Actor("villageclerk")
		if _, err := db.FindOrgByID(ctx, vc, f.VillageA.ID); err != nil {
			t.Fatal(err)
		}
		for _, o := range []*guangong.Org{f.VillageB, f.Town, f.County, f.OtherTown, f.School} {
			denied := auditCount(t, db, guangong.ActionDenied)
			_, err := db.FindOrgByID(ctx, vc, o.ID)
			wantCode(t, err, guangong.ENOTFOUND)
			if guangong.ErrorMsg(err).Zh != "组织不存在" {
				t.Fatalf("message %q", guangong.ErrorMsg(err).Zh)
			}
			if auditCount(t, db, guangong.ActionDenied) != denied+1 {
				t.Fatalf("out-of-scope read of %s not audited", o.Name)
			}
			if _, err := db.FindOrgByRef(ctx, vc, o.Code); guangong.ErrorCode(err) != guangong.ENOTFOUND {
				t.Fatalf("by ref %s: %v", o.Code, err)
			}
			if ok, err := db.InScope(ctx, vc, o.ID); ok || err != nil {
				t.Fatalf("InScope(%s) = %v %v", o.Name, ok, err)
			}
			if _, err := db.OrgAncestors(ctx, vc, o.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
				t.Fatalf("ancestors of %s: %v", o.Name, err)
			}
			if _, err := db.OrgSummary(ctx, vc, o.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
				t.Fatalf("summary of %s: %v", o.Name, err)
			}
		}
		// A guessed id is NotFound too, and audited like an id outside scope, so that the
		// two answers cost the same and timing reveals nothing.
		denied := auditCount(t, db, guangong.ActionDenied)
		_, err := db.FindOrgByID(ctx, vc, guangong.NewID())
		wantCode(t, err, guangong.ENOTFOUND)
		if auditCount(t, db, guangong.ActionDenied) != denied+1 {
			t.Fatal("a guessed id was not audited as denied")
		}
		// Writes outside scope: the committee administrator of the other town.
		oa := f.Actor("otheradmin")
		_, err = db.UpdateOrg(ctx, oa, f.VillageB.ID, guangong.OrgUpdate{Name: ptr("改名"), Version: 1})
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.MoveOrg(ctx, oa, f.VillageB.ID, f.OtherTown.ID, 1)
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.DissolveOrg(ctx, oa, f.VillageB.ID, 1)
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.UpdateOrg(ctx, oa, guangong.NewID(), guangong.OrgUpdate{Name: ptr("改名"), Version: 1})
		wantCode(t, err, guangong.ENOTFOUND)
		// The clerk is refused by role before scope.
		_, err = db.UpdateOrg(ctx, vc, f.VillageB.ID, guangong.OrgUpdate{Name: ptr("改名"), Version: 1})
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.MoveOrg(ctx, vc, f.VillageA.ID, f.OtherTown.ID, 1)
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.DissolveOrg(ctx, vc, f.VillageA.ID, 1)
		wantCode(t, err, guangong.EFORBIDDEN)
		b, _ := db.FindOrgByID(ctx, sys, f.VillageB.ID)
		if b.Name != "白沙村" || b.Version != 1 || b.ParentID != f.Town.ID || b.Status != guangong.OrgActive {
			t.Fatalf("out-of-scope write changed VillageB: %+v", b)
		}

		// A list narrowed to a committee outside scope is NotFound, like an unknown one,
		// both audited as denials.
		for _, flt := range []guangong.OrgFilter{{Under: &f.County.ID}, {ParentID: &f.Town.ID}, {Under: ptr(guangong.NewID())},
			{ParentID: ptr(guangong.NewID())}} {
			denied := auditCount(t, db, guangong.ActionDenied)
			_, _, err := db.FindOrgs(ctx, vc, flt)
			wantCode(t, err, guangong.ENOTFOUND)
			if guangong.ErrorMsg(err).Zh != "组织不存在" || auditCount(t, db, guangong.ActionDenied) != denied+1 {
				t.Fatalf("filter %+v: %v, denials %d -> %d", flt, err, denied, auditCount(t, db, guangong.ActionDenied))
			}
		}
		// Lists never include rows outside scope, whatever the filter asks.
		for _, flt := range []guangong.OrgFilter{{}, {Under: &f.VillageA.ID}, {ParentID: &f.VillageA.ID},
			{Query: ptr("村")}, {Code: ptr("V002")}, {Level: ptr(guangong.LevelVillage)}, {IncludeDissolved: true}} {
			list, total, err := db.FindOrgs(ctx, vc, flt)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range list {
				if o.ID != f.VillageA.ID {
					t.Fatalf("filter %+v: villageclerk sees %s", flt, o.Name)
				}
			}
			if total != len(list) {
				t.Fatalf("total %d, len %d", total, len(list))
			}
		}
		list, total, err := db.FindOrgs(ctx, f.Actor("townadmin"), guangong.OrgFilter{})
		if err != nil || total != 4 || len(list) != 4 {
			t.Fatalf("townadmin sees %d (%d): %v", total, len(list), err)
		}
		// The auditor reads no committees.
		_, _, err = db.FindOrgs(ctx, f.Actor("auditor"), guangong.OrgFilter{})
		wantCode(t, err, guangong.EFORBIDDEN)
	})
}

func TestFindOrgsFiltersAndPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		a := f.Actor("admin")
		names := func(list []*guangong.Org) string {
			var s []string
			for _, o := range list {
				s = append(s, o.Code)
			}
			return strings.Join(s, ",")
		}
		check := func(flt guangong.OrgFilter, want string, wantTotal int) {
			t.Helper()
			list, total, err := db.FindOrgs(ctx, a, flt)
			if err != nil {
				t.Fatal(err)
			}
			// Compare as sets: name order follows the database's collation.
			got := strings.Split(names(list), ",")
			w := strings.Split(want, ",")
			if total != wantTotal || len(got) != len(w) || !sameSet(got, w) {
				t.Fatalf("filter %+v: got %s (total %d), want %s (total %d)", flt, names(list), total, want, wantTotal)
			}
		}
		check(guangong.OrgFilter{ParentID: &f.Town.ID}, "V001,V002,S001", 3)
		check(guangong.OrgFilter{Under: &f.Town.ID}, "431224101,V001,V002,S001", 4)
		check(guangong.OrgFilter{Query: ptr("低庄")}, "431224101,S001", 2)
		check(guangong.OrgFilter{Query: ptr("%")}, "", 0)
		check(guangong.OrgFilter{Level: ptr(guangong.LevelTown)}, "431224101,431224102", 2)
		check(guangong.OrgFilter{Code: ptr("S001")}, "S001", 1)
		// Paging: stable order, total unaffected.
		all, total, _ := db.FindOrgs(ctx, a, guangong.OrgFilter{})
		if total != 6 || len(all) != 6 {
			t.Fatalf("all: %d", total)
		}
		var paged []*guangong.Org
		for off := 0; off < 6; off += 4 {
			p, total, err := db.FindOrgs(ctx, a, guangong.OrgFilter{Page: guangong.Page{Offset: off, Limit: 4}})
			if err != nil || total != 6 {
				t.Fatalf("page %d: %d %v", off, total, err)
			}
			paged = append(paged, p...)
		}
		if names(paged) != names(all) {
			t.Fatalf("paged %s, all %s", names(paged), names(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i-1].Name > all[i].Name && db.Dialect() == "sqlite" {
				t.Fatalf("not ordered by name: %s", names(all))
			}
		}
	})
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestUpdateOrg(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		ta := f.Actor("townadmin")
		got, err := db.UpdateOrg(ctx, ta, f.VillageA.ID, guangong.OrgUpdate{Name: ptr("青松村委会"), Contact: ptr("13800000000"), Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "青松村委会" || got.Version != 2 || got.Contact != "13800000000" {
			t.Fatalf("updated %+v", got)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionUpdate || len(e.Changes) != 2 || e.Changes[0] != (guangong.Change{Field: "name", Before: "青松村", After: "青松村委会"}) {
			t.Fatalf("audit %+v", e)
		}
		// Stale version.
		_, err = db.UpdateOrg(ctx, ta, f.VillageA.ID, guangong.OrgUpdate{Name: ptr("旧版本"), Version: 1})
		wantCode(t, err, guangong.ECONFLICT)
		if guangong.ErrorMsg(err) != guangong.Stale().Msg {
			t.Fatalf("stale message %v", guangong.ErrorMsg(err))
		}
		// Duplicate code on update: nothing saved (not even the name), no audit entry.
		n := auditCount(t, db, "")
		_, err = db.UpdateOrg(ctx, ta, f.VillageA.ID, guangong.OrgUpdate{Name: ptr("另一个名字"), Code: ptr("V002"), Version: 2})
		wantCode(t, err, guangong.ECONFLICT)
		wantField(t, err, "code", "该代码已被使用")
		if auditCount(t, db, "") != n {
			t.Fatal("failed update left an audit entry")
		}
		cur, _ := db.FindOrgByID(ctx, ta, f.VillageA.ID)
		if cur.Name != "青松村委会" || cur.Version != 2 || cur.Code != "V001" {
			t.Fatalf("failed update changed the row: %+v", cur)
		}
		// Validation and level rules.
		_, err = db.UpdateOrg(ctx, ta, f.VillageA.ID, guangong.OrgUpdate{Name: ptr(""), Version: 2})
		wantField(t, err, "name", "不能为空")
		_, err = db.UpdateOrg(ctx, ta, f.VillageA.ID, guangong.OrgUpdate{Level: ptr(guangong.LevelTown), Version: 2})
		wantField(t, err, "level", "")
		_, err = db.UpdateOrg(ctx, f.Actor("admin"), f.Town.ID, guangong.OrgUpdate{Level: ptr(guangong.LevelVillage), Version: 1})
		wantField(t, err, "level", "")
		// No change: no new version, no audit.
		n = auditCount(t, db, "")
		same, err := db.UpdateOrg(ctx, ta, f.VillageA.ID, guangong.OrgUpdate{Name: ptr("青松村委会"), Version: 2})
		if err != nil || same.Version != 2 || auditCount(t, db, "") != n {
			t.Fatalf("no-op update: %+v %v", same, err)
		}
	})
}

func TestMoveOrg(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		admin := f.Actor("admin")
		// Build a grandchild under VillageA? Villages sit at the bottom: use a unit under Town.
		unit := &guangong.Org{Name: "镇关工委办公室", Level: guangong.LevelUnit, Code: "U001", ParentID: f.Town.ID}
		if err := db.CreateOrg(ctx, sys, unit); err != nil {
			t.Fatal(err)
		}
		// Under itself or its own descendant.
		_, err := db.MoveOrg(ctx, admin, f.Town.ID, f.Town.ID, 1)
		wantField(t, err, "parentId", "不能移动到自身或其下级组织之下")
		_, err = db.MoveOrg(ctx, sys, f.County.ID, f.VillageA.ID, 1)
		wantField(t, err, "parentId", "不能移动到自身或其下级组织之下")
		// Level rule: a village cannot parent a town.
		_, err = db.MoveOrg(ctx, admin, f.Town.ID, f.VillageB.ID, 1)
		wantField(t, err, "parentId", "") // VillageB is Town's descendant: that check wins
		_, err = db.MoveOrg(ctx, admin, f.OtherTown.ID, f.VillageB.ID, 1)
		wantField(t, err, "level", "")
		// Missing and stale.
		_, err = db.MoveOrg(ctx, admin, f.VillageA.ID, guangong.NewID(), 1)
		wantField(t, err, "parentId", "上级组织不存在")
		_, err = db.MoveOrg(ctx, admin, f.VillageA.ID, f.OtherTown.ID, 7)
		wantCode(t, err, guangong.ECONFLICT)
		// A committee administrator cannot move its own scope root.
		_, err = db.MoveOrg(ctx, f.Actor("townadmin"), f.Town.ID, f.OtherTown.ID, 1)
		wantCode(t, err, guangong.EFORBIDDEN)
		// Nor move something in scope to a parent outside it.
		_, err = db.MoveOrg(ctx, f.Actor("townadmin"), f.VillageA.ID, f.OtherTown.ID, 1)
		wantField(t, err, "parentId", "上级组织不存在")

		// Move the Town subtree under OtherTown? Level forbids; move VillageA to OtherTown.
		moved, err := db.MoveOrg(ctx, admin, f.VillageA.ID, f.OtherTown.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if moved.ParentID != f.OtherTown.ID || moved.Version != 2 || moved.Depth != 2 {
			t.Fatalf("moved %+v", moved)
		}
		// Scope follows the closure table at once: townadmin lost it, otheradmin gained it.
		if ok, _ := db.InScope(ctx, f.Actor("townadmin"), f.VillageA.ID); ok {
			t.Fatal("townadmin still sees the moved village")
		}
		if ok, _ := db.InScope(ctx, f.Actor("otheradmin"), f.VillageA.ID); !ok {
			t.Fatal("otheradmin does not see the moved village")
		}
		anc, err := db.OrgAncestors(ctx, admin, f.VillageA.ID)
		if err != nil || len(anc) != 2 || anc[0].ID != f.County.ID || anc[1].ID != f.OtherTown.ID {
			t.Fatalf("ancestors after move: %v %v", anc, err)
		}
		// The villageclerk at VillageA keeps its own subtree.
		if _, err := db.FindOrgByID(ctx, f.Actor("villageclerk"), f.VillageA.ID); err != nil {
			t.Fatal(err)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionMove || e.Changes[0] != (guangong.Change{Field: "parentId", Before: f.Town.ID, After: f.OtherTown.ID}) {
			t.Fatalf("move audit %+v", e)
		}

		// Move a deeper subtree: a new city above County, and County moved under a new province.
		prov := &guangong.Org{Name: "湖南省", Level: guangong.LevelProvince, Code: "43"}
		if err := db.CreateOrg(ctx, sys, prov); err != nil {
			t.Fatal(err)
		}
		city := &guangong.Org{Name: "怀化市", Level: guangong.LevelCity, Code: "4312", ParentID: prov.ID}
		if err := db.CreateOrg(ctx, sys, city); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MoveOrg(ctx, sys, f.County.ID, city.ID, 1); err != nil {
			t.Fatal(err)
		}
		sch, _ := db.FindOrgByID(ctx, sys, f.School.ID)
		if sch.Depth != 4 {
			t.Fatalf("school depth after moving county: %d", sch.Depth)
		}
		list, total, err := db.FindOrgs(ctx, sys, guangong.OrgFilter{Under: &prov.ID})
		if err != nil || total != 9 || len(list) != 9 {
			t.Fatalf("province subtree: %d %v", total, err)
		}
		anc, _ = db.OrgAncestors(ctx, sys, f.School.ID)
		if len(anc) != 4 || anc[0].ID != prov.ID || anc[1].ID != city.ID || anc[2].ID != f.County.ID || anc[3].ID != f.Town.ID {
			t.Fatalf("school ancestors %v", anc)
		}
		// Ancestors are cut at the actor's scope.
		anc, _ = db.OrgAncestors(ctx, f.Actor("townadmin"), f.School.ID)
		if len(anc) != 1 || anc[0].ID != f.Town.ID {
			t.Fatalf("townadmin's view of school ancestors %v", anc)
		}
		checkClosure(t, db)
		verifyOK(t, db)
	})
}

// checkClosure checks org_closure against the parent links: every (ancestor, descendant,
// depth) implied by parent_id, and nothing else.
func checkClosure(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	rows, err := db.RawReader().QueryContext(ctx, `SELECT id, COALESCE(parent_id, ''), depth FROM orgs`)
	if err != nil {
		t.Fatal(err)
	}
	parent, depth := map[string]string{}, map[string]int{}
	for rows.Next() {
		var id, p string
		var d int
		rows.Scan(&id, &p, &d)
		parent[id], depth[id] = p, d
	}
	rows.Close()
	want := map[[2]string]int{}
	for id := range parent {
		d := 0
		for a := id; a != ""; a = parent[a] {
			want[[2]string{a, id}] = d
			d++
		}
		if depth[id] != d-1 {
			t.Fatalf("org %s depth %d, want %d", id, depth[id], d-1)
		}
	}
	rows, err = db.RawReader().QueryContext(ctx, `SELECT ancestor_id, descendant_id, depth FROM org_closure`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var a, d string
		var dep int
		rows.Scan(&a, &d, &dep)
		if w, ok := want[[2]string{a, d}]; !ok || w != dep {
			t.Fatalf("closure row %s %s %d unexpected (want %d, %v)", a, d, dep, w, ok)
		}
		n++
	}
	rows.Close()
	if n != len(want) {
		t.Fatalf("closure has %d rows, want %d", n, len(want))
	}
}

func TestDissolveOrg(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		ta := f.Actor("townadmin")
		_, err := db.DissolveOrg(ctx, f.Actor("admin"), f.Town.ID, 1)
		wantCode(t, err, guangong.EINVALID)
		if !strings.Contains(guangong.ErrorMsg(err).Zh, "下级组织") {
			t.Fatalf("message %q", guangong.ErrorMsg(err).Zh)
		}
		_, err = db.DissolveOrg(ctx, ta, f.Town.ID, 1)
		wantCode(t, err, guangong.EFORBIDDEN) // its own scope root
		_, err = db.DissolveOrg(ctx, ta, f.VillageB.ID, 3)
		wantCode(t, err, guangong.ECONFLICT)
		d, err := db.DissolveOrg(ctx, ta, f.VillageB.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != guangong.OrgDissolved || d.DissolvedAt == nil || d.Version != 2 {
			t.Fatalf("dissolved %+v", d)
		}
		_, err = db.DissolveOrg(ctx, ta, f.VillageB.ID, 2)
		wantCode(t, err, guangong.EINVALID)
		// Lists drop it unless asked; it is still there, with its history.
		_, total, _ := db.FindOrgs(ctx, ta, guangong.OrgFilter{})
		_, all, _ := db.FindOrgs(ctx, ta, guangong.OrgFilter{IncludeDissolved: true})
		if total != 3 || all != 4 {
			t.Fatalf("active %d, all %d", total, all)
		}
		got, err := db.FindOrgByID(ctx, ta, f.VillageB.ID)
		if err != nil || got.Status != guangong.OrgDissolved {
			t.Fatalf("dissolved org: %+v %v", got, err)
		}
		// No new children or accounts under a dissolved committee.
		err = db.CreateOrg(ctx, sys, &guangong.Org{Name: "x", Level: guangong.LevelUnit, Code: "U9", ParentID: f.VillageB.ID})
		wantField(t, err, "parentId", "已撤销")
		if e := lastAudit(t, db); e.Action != guangong.ActionDissolve || e.ObjectID != f.VillageB.ID {
			t.Fatalf("audit %+v", e)
		}
		// Summary of the town: computed, never stored.
		s, err := db.OrgSummary(ctx, ta, f.Town.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Active != 3 || s.Dissolved != 1 || s.ByLevel[guangong.LevelVillage] != 1 || s.ByLevel[guangong.LevelSchool] != 1 ||
			s.ByLevel[guangong.LevelTown] != 1 || s.Accounts != 4 || len(s.Ancestors) != 0 || s.Org.ID != f.Town.ID {
			t.Fatalf("summary %+v", s)
		}
		s, _ = db.OrgSummary(ctx, f.Actor("admin"), f.Town.ID)
		if len(s.Ancestors) != 1 || s.Ancestors[0].ID != f.County.ID {
			t.Fatalf("admin's summary ancestors %+v", s.Ancestors)
		}
		s, _ = db.OrgSummary(ctx, sys, f.County.ID)
		if s.Accounts != 7 || s.Active != 5 {
			t.Fatalf("county summary %+v", s)
		}
	})
}

// Creating a child under a committee while it is being dissolved: one of the two must lose,
// never both win (an active child under a dissolved parent). On PostgreSQL the two run
// truly concurrently; the parent's row lock serialises them.
func TestCreateChildRacesDissolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := storetest.NewFixture(t, db)
		sys := guangong.SystemActor("test")
		for i := range 20 {
			parent := &guangong.Org{ParentID: f.County.ID, Name: fmt.Sprintf("竞态镇%d", i), Level: guangong.LevelTown, Code: fmt.Sprintf("RACE%d", i)}
			if err := db.CreateOrg(ctx, sys, parent); err != nil {
				t.Fatal(err)
			}
			child := &guangong.Org{ParentID: parent.ID, Name: "竞态村", Level: guangong.LevelVillage, Code: fmt.Sprintf("RACEC%d", i)}
			var wg sync.WaitGroup
			var createErr, dissolveErr error
			wg.Add(2)
			go func() { defer wg.Done(); createErr = db.CreateOrg(ctx, sys, child) }()
			go func() { defer wg.Done(); _, dissolveErr = db.DissolveOrg(ctx, sys, parent.ID, parent.Version) }()
			wg.Wait()
			if createErr == nil && dissolveErr == nil {
				t.Fatalf("round %d: a child was created under a committee dissolved at the same time", i)
			}
		}
	})
}

// OrgPaths gives each committee's in-scope path in one query, as OrgAncestors does one by one.
func TestOrgPaths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := storetest.NewFixture(t, db)
		ta := f.Actor("townadmin")
		ids := []string{f.VillageA.ID, f.School.ID, f.Town.ID, f.OtherTown.ID}
		paths, err := db.OrgPaths(ctx, ta, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{f.VillageA.ID, f.School.ID} {
			want, err := db.OrgAncestors(ctx, ta, id)
			if err != nil {
				t.Fatal(err)
			}
			got := paths[id]
			if len(got) != len(want) || len(got) != 1 || got[0].ID != f.Town.ID {
				t.Fatalf("path of %s: %v, want %v", id, got, want)
			}
		}
		if len(paths[f.Town.ID]) != 0 || len(paths[f.OtherTown.ID]) != 0 {
			t.Fatalf("paths above scope or outside it: %v", paths)
		}
		admin, err := db.OrgPaths(ctx, f.Actor("admin"), []string{f.VillageA.ID})
		if err != nil || len(admin[f.VillageA.ID]) != 2 || admin[f.VillageA.ID][0].ID != f.County.ID {
			t.Fatalf("admin's path of VillageA: %v %v", admin, err)
		}
		_, err = db.OrgPaths(ctx, f.Actor("auditor"), ids)
		wantCode(t, err, guangong.EFORBIDDEN)
	})
}
