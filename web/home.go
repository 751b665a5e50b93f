package web

import (
	"net/http"

	"guangong"
)

type levelCount struct {
	Level guangong.Level
	Label string
	Count int
}

type homeData struct {
	Summary *guangong.OrgSummary
	Levels  []levelCount
	Chart   chartData
	Changed bool
}

// chartData feeds the ECharts bar chart from a JSON script tag; the table beside it has the
// same figures for people (and printers) without JavaScript.
type chartData struct {
	Title  string   `json:"title"`
	Labels []string `json:"labels"`
	Values []int    `json:"values"`
}

func (s *server) home(c *ctx) error {
	d := &homeData{Changed: c.r.URL.Query().Get("changed") == "1"}
	if c.user.Role.CanReadOrgs() {
		sum, err := s.store.OrgSummary(c.r.Context(), c.actor(), c.user.OrgID)
		if err != nil {
			return err
		}
		d.Summary = sum
		d.Chart.Title = tr(c.lang, "home.byLevel")
		for _, l := range guangong.Levels {
			n := sum.ByLevel[l]
			if n == 0 {
				continue
			}
			label := l.Label().In(c.lang)
			d.Levels = append(d.Levels, levelCount{Level: l, Label: label, Count: n})
			d.Chart.Labels = append(d.Chart.Labels, label)
			d.Chart.Values = append(d.Chart.Values, n)
		}
	}
	return c.render(http.StatusOK, "home/home", c.view(tr(c.lang, "home.title"), d))
}
