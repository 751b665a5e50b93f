package web

import "guangong"

// eventCatalog is the interface text of meetings, activities, the calendar and art troupes.
var eventCatalog = map[string]guangong.Msg{}
