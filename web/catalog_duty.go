package web

import "guangong"

// dutyCatalog is the interface text of duty rosters and QR check-in.
var dutyCatalog = map[string]guangong.Msg{}
