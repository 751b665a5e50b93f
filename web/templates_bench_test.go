package web

import "testing"

// BenchmarkParseTemplates is the templates' share of start-up.
func BenchmarkParseTemplates(b *testing.B) {
	a, err := loadAssets()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s := &server{assets: a}
		if err := s.parseTemplates(); err != nil {
			b.Fatal(err)
		}
	}
}
