package sqlstore_test

import (
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// Ending a membership, a post or a troupe membership is a versioned write: two clerks
// ending the same record from the same read (the same version) with different dates
// cannot both succeed. The first stands; the second is refused as a conflict, and its
// date is not saved. The end also counts as a change of the record's version.
func TestEndsRefuseStaleVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow // 2025-06-15
		ta, tc := f.Actor("townadmin"), f.Actor("townclerk")
		v := mustVolunteer(t, db, ta, newVolunteer(f.Town, "钱老师", "1950-01-01"))

		t.Run("membership", func(t *testing.T) {
			m := &guangong.Membership{VolunteerID: v.ID, OrgID: f.VillageA.ID, From: "2023-01-01"}
			if err := db.AddMembership(ctx, ta, m); err != nil {
				t.Fatal(err)
			}
			list, err := db.Memberships(ctx, tc, v.ID)
			if err != nil || len(list) != 1 || list[0].Version != m.Version || m.Version < 1 {
				t.Fatalf("memberships %+v %v (added at version %d)", list, err, m.Version)
			}
			read := list[0].Version
			if err := db.EndMembership(ctx, ta, m.ID, "2024-12-31", read); err != nil {
				t.Fatal(err)
			}
			wantCode(t, db.EndMembership(ctx, tc, m.ID, "2025-03-31", read), guangong.ECONFLICT)
			list, _ = db.Memberships(ctx, ta, v.ID)
			if list[0].To != "2024-12-31" || list[0].Version != read+1 {
				t.Fatalf("after the stale end %+v", list[0])
			}
		})

		t.Run("post", func(t *testing.T) {
			p := &guangong.Post{OrgID: f.Town.ID, VolunteerID: v.ID, Title: "member", From: "2022-01-01"}
			if err := db.AddPost(ctx, ta, p); err != nil {
				t.Fatal(err)
			}
			posts, err := db.Posts(ctx, tc, f.Town.ID, false)
			if err != nil || len(posts) != 1 || posts[0].Version != p.Version || p.Version < 1 {
				t.Fatalf("posts %+v %v (added at version %d)", posts, err, p.Version)
			}
			read := posts[0].Version
			if err := db.EndPost(ctx, ta, p.ID, "2024-12-31", read); err != nil {
				t.Fatal(err)
			}
			wantCode(t, db.EndPost(ctx, ta, p.ID, "2025-03-31", read), guangong.ECONFLICT)
			posts, _ = db.Posts(ctx, ta, f.Town.ID, false)
			if posts[0].To != "2024-12-31" || posts[0].Version != read+1 {
				t.Fatalf("after the stale end %+v", posts[0])
			}
		})

		t.Run("troupe member", func(t *testing.T) {
			tr := &guangong.Troupe{OrgID: f.Town.ID, Name: "夕阳红合唱团", Kind: "choir", Founded: "2019-03-01"}
			if err := db.CreateTroupe(ctx, tc, tr); err != nil {
				t.Fatal(err)
			}
			m := &guangong.TroupeMember{TroupeID: tr.ID, Name: "社会人员丁", From: "2020-01-01"}
			if err := db.AddTroupeMember(ctx, tc, m); err != nil {
				t.Fatal(err)
			}
			members, err := db.TroupeMembers(ctx, tc, tr.ID)
			if err != nil || len(members) != 1 || members[0].Version != m.Version || m.Version < 1 {
				t.Fatalf("members %+v %v (added at version %d)", members, err, m.Version)
			}
			read := members[0].Version
			if err := db.EndTroupeMember(ctx, tc, m.ID, "2024-12-31", read); err != nil {
				t.Fatal(err)
			}
			wantCode(t, db.EndTroupeMember(ctx, tc, m.ID, "2025-03-31", read), guangong.ECONFLICT)
			members, _ = db.TroupeMembers(ctx, tc, tr.ID)
			if members[0].To != "2024-12-31" || members[0].Version != read+1 {
				t.Fatalf("after the stale end %+v", members[0])
			}
		})
	})
}
