package api

import (
	"net/http"

	"guangong"
)

type passwordChange struct {
	OldPassword string `json:"oldPassword"`
	NewPassword string `json:"newPassword"`
}

func (s *server) getMe(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	u, err := s.store.FindUserByID(r.Context(), a, a.UserID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, u)
	return nil
}

func (s *server) setPrefs(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var p guangong.Prefs
	if err := decode(w, r, &p); err != nil {
		return err
	}
	u, err := s.store.SetPrefs(r.Context(), a, p)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, u)
	return nil
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in passwordChange
	if err := decode(w, r, &in); err != nil {
		return err
	}
	// An API client holds no session to keep: every session of the account ends, and every
	// API token, the one this call came with too.
	if err := s.store.ChangePassword(r.Context(), a, in.OldPassword, in.NewPassword, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
