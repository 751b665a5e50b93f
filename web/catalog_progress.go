package web

import "guangong"

// progressCatalog is the interface text of yearly plans, targets and progress.
var progressCatalog = map[string]guangong.Msg{}
