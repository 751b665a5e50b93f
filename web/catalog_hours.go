package web

import "guangong"

// hoursCatalog is the interface text of volunteer service hours and certificates.
var hoursCatalog = map[string]guangong.Msg{}
