package sqlstore

// ProgressEventsSQL is the query countEvents runs, for the benchmark to show its plan.
func ProgressEventsSQL(subtree bool) string {
	return `SELECT substr(e.starts_on, 6, 2), ` + eventSums + ` FROM ` + eventRows(subtree) + ` GROUP BY substr(e.starts_on, 6, 2)`
}
