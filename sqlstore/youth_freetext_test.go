package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// youthWithText is a youth whose every free-text field holds something an account without
// 未成年人信息 access must not read: an address in the notes, and so on.
func youthWithText(org *guangong.Org) (*guangong.Youth, []string) {
	y := newYouth(org, "周小雨", "2014-04-04")
	y.School, y.Grade, y.GuardianRelation, y.ParentsWork = "白沙村小学", "四年级二班", "外婆", "浙江省义乌市篁园市场"
	y.Needs, y.Notes = "心理疏导（父母离异）", "家住湖南省长沙市望城区白沙村三组12号"
	y.ConsentRelation, y.ConsentPurpose = "外婆（监护人）", "结对帮扶与家访记录"
	return y, []string{"白沙村小学", "四年级二班", "外婆", "浙江省义乌市", "心理疏导", "父母离异", "湖南省长沙市",
		"白沙村三组", "结对帮扶与家访记录"}
}

// wantTextHidden fails if y shows any of texts, or a free-text field other than hidden.
func wantTextHidden(t *testing.T, where string, y *guangong.Youth, texts []string) {
	t.Helper()
	for i, p := range y.FreeText() {
		if *p != guangong.HiddenText {
			t.Errorf("%s: %s = %q, want it hidden", where, guangong.YouthFreeText[i], *p)
		}
	}
	all := fmt.Sprintf("%+v", *y)
	for _, s := range texts {
		if strings.Contains(all, s) {
			t.Errorf("%s: %q shown: %s", where, s, all)
		}
	}
}

// A youth's free text (notes, needs, school, the consent's purpose...) is hidden whole from
// an account without 未成年人信息 access, on every read path; the trail records that it
// changed, never its text, so the auditor (who never has that access) cannot read it there.
func TestYouthFreeTextHidden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		f.GrantMinorAccess(t, "townclerk")
		full, clerk := f.Actor("townclerk"), f.Actor("villageclerk") // clerk: no 未成年人信息 access
		y, texts := youthWithText(f.VillageA)
		mustYouth(t, db, full, y)
		if y.Notes != "家住湖南省长沙市望城区白沙村三组12号" {
			t.Fatalf("with access the notes read %q", y.Notes)
		}

		got, err := db.FindYouthByID(ctx, clerk, y.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantTextHidden(t, "FindYouthByID", got, texts)
		list, _, err := db.FindYouths(ctx, clerk, guangong.PersonFilter{Category: ptr("poverty")})
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		wantTextHidden(t, "FindYouths", list[0], texts)

		// The clerk may not write the record it sees hidden.
		got.Categories = []string{"left_behind"}
		wantCode(t, db.UpdateYouth(ctx, clerk, got), guangong.EFORBIDDEN)
		// Sent back as shown, hidden text means "unchanged": the other edit is saved, the
		// notes are not overwritten by the marker.
		if err := db.UpdateYouth(ctx, full, got); err != nil {
			t.Fatal(err)
		}
		back, err := db.FindYouthByID(ctx, full, y.ID)
		if err != nil || back.Notes != y.Notes || back.School != y.School || back.ConsentPurpose != y.ConsentPurpose {
			t.Fatalf("after a masked save %+v %v", back, err)
		}

		// With access, a new address in the notes: the trail says the notes changed, not to what.
		back.Notes = "已搬至长沙市岳麓区麓山路88号"
		if err := db.UpdateYouth(ctx, full, back); err != nil {
			t.Fatal(err)
		}
		e := lastAudit(t, db)
		if len(e.Changes) != 1 || e.Changes[0] != (guangong.Change{Field: "notes", Before: guangong.HiddenText, After: "(已修改)"}) {
			t.Fatalf("notes change audited as %+v", e.Changes)
		}
		texts = append(texts, "麓山路88号", "岳麓区")
		entries, _, err := db.FindAudit(ctx, f.Actor("auditor"), guangong.AuditFilter{ObjectID: &y.ID, Page: guangong.Page{Limit: 50}})
		if err != nil || len(entries) < 3 {
			t.Fatalf("the youth's trail %v %v", entries, err)
		}
		fields := map[string]bool{}
		for _, e := range entries {
			for _, c := range e.Changes {
				fields[c.Field] = true
			}
		}
		for _, field := range guangong.YouthFreeText {
			if !fields[field] {
				t.Errorf("the trail does not say %s was written", field)
			}
		}
		rows, err := db.RawReader().Query(`SELECT changes || detail FROM audit_log`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var stored string
			if err := rows.Scan(&stored); err != nil {
				t.Fatal(err)
			}
			for _, s := range texts {
				if strings.Contains(stored, s) {
					t.Errorf("the trail holds %q: %s", s, stored)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		verifyOK(t, db)
	})
}
