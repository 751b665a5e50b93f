package guangong_test

import (
	"testing"
	"time"

	"guangong"
)

func at(hh, mm int) time.Time { return time.Date(2025, 6, 16, hh, mm, 0, 0, guangong.Shanghai) }

func TestServedMinutes(t *testing.T) {
	s := &guangong.Shift{StartsAt: at(8, 0), EndsAt: at(10, 0)}
	for _, c := range []struct {
		in, out time.Time
		want    int
	}{
		{at(7, 30), at(10, 30), 120}, // clipped at both ends
		{at(8, 15), at(9, 0), 45},
		{at(7, 0), at(7, 50), 0},  // all before the start
		{at(10, 5), at(11, 0), 0}, // all after the end
		{at(9, 0), at(9, 0).Add(59 * time.Second), 0},
	} {
		if got := guangong.ServedMinutes(s, c.in, c.out); got != c.want {
			t.Errorf("ServedMinutes(%s, %s) = %d, want %d", c.in.Format("15:04"), c.out.Format("15:04"), got, c.want)
		}
	}
}

func TestShiftValidate(t *testing.T) {
	ok := guangong.Shift{PostID: "p", Role: "护学", StartsAt: at(8, 0), EndsAt: at(9, 0), Headcount: 2}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, s := range map[string]guangong.Shift{
		"endsAt":    {PostID: "p", Role: "r", StartsAt: at(9, 0), EndsAt: at(9, 0), Headcount: 1},
		"headcount": {PostID: "p", Role: "r", StartsAt: at(8, 0), EndsAt: at(9, 0), Headcount: guangong.MaxShiftHeadcount + 1},
		"role":      {PostID: "p", Role: " ", StartsAt: at(8, 0), EndsAt: at(9, 0), Headcount: 1},
		"startsAt":  {PostID: "p", Role: "r", EndsAt: at(9, 0), Headcount: 1},
	} {
		err := s.Validate()
		if _, found := guangong.FieldErrors(err)[field]; !found {
			t.Errorf("%s: want a field error, got %v", field, err)
		}
	}
	long := ok
	long.EndsAt = long.StartsAt.Add(25 * time.Hour)
	if _, found := guangong.FieldErrors(long.Validate())["endsAt"]; !found {
		t.Error("a 25-hour shift is accepted")
	}
}

func TestVolunteerRole(t *testing.T) {
	r := guangong.RoleVolunteer
	if !r.Valid() || r.CanReadRecords() || r.CanWriteRecords() || r.CanReadOrgs() || r.CanManageUsers() ||
		r.CanReadAudit() || !r.CanReadDuty() || r.RequiresTOTP() || r.Label().Zh != "志愿者" {
		t.Fatalf("volunteer role checks are wrong")
	}
	if !guangong.RoleOrgAdmin.CanAssign(r) || guangong.RoleClerk.CanAssign(r) {
		t.Fatal("only administrators make volunteer accounts")
	}
	u := guangong.User{Username: "vol", DisplayName: "王", OrgID: "o", Role: r, Lang: "zh"}
	if _, found := guangong.FieldErrors(u.Validate())["volunteerId"]; !found {
		t.Fatal("a volunteer account without a volunteer validates")
	}
	for _, kind := range guangong.DutyKinds {
		if guangong.Label(kind).Zh == kind {
			t.Errorf("duty kind %s has no label", kind)
		}
	}
}
