package httpx

import (
	"errors"
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
