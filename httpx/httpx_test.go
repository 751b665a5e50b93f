package httpx

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"guangong"
)

func TestStatusOfMapsEveryCode(t *testing.T) {
	for code, want := range map[string]int{
		guangong.EINVALID: 422, guangong.ENOTFOUND: 404, guangong.ECONFLICT: 409, guangong.EUNAUTHORIZED: 401,
		guangong.EFORBIDDEN: 403, guangong.ELOCKED: 423, guangong.EINTERNAL: 500,
	} {
		if got := StatusOf(&guangong.Error{Code: code}); got != want {
			t.Errorf("%s: status %d, want %d", code, got, want)
		}
	}
	if got := StatusOf(errors.New("driver: boom")); got != 500 {
		t.Errorf("foreign error: %d", got)
	}
}

func TestClientIP(t *testing.T) {
	for _, c := range []struct {
		name  string
		xff   []string
		trust bool
		want  string
	}{
		{"no proxy: the peer", []string{"1.2.3.4"}, false, "10.0.0.9"},
		{"proxy: its appended entry", []string{"6.6.6.6, 1.2.3.4"}, true, "1.2.3.4"},
		{"proxy: forged header lines come first", []string{"6.6.6.6", "1.2.3.4"}, true, "1.2.3.4"},
		{"proxy without header: the peer", nil, true, "10.0.0.9"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.9:5555"
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientIP(r, c.trust); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestRequestIDOnlyPlain(t *testing.T) {
	var seen string
	h := Observe(slog.New(slog.DiscardHandler), nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
	}))
	for in, keep := range map[string]bool{"abc-123": true, `x" admin=root </td>`: false, strings.Repeat("a", 65): false, "": false} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Request-Id", in)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if (seen == in) != keep || seen == "" {
			t.Errorf("request id %q became %q", in, seen)
		}
	}
}
