package casework

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// KindNGOReport is a report a civil-society group submits into a case
// shared with it (its own observations, photos described, water samples it
// took): kept by value, as the group wrote it.
const KindNGOReport Kind = "ngo_report"

func init() { kinds[KindNGOReport] = func() Body { return new(NGOReport) } }

// MaxReportText bounds an NGO report's text, in characters.
const MaxReportText = 10000

// NGOReport is a civil-society group's report into a case.
type NGOReport struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Kind is KindNGOReport.
func (r *NGOReport) Kind() Kind { return KindNGOReport }

// Validate checks the report has a title and a text within bounds.
func (r *NGOReport) Validate() error {
	var errs []string
	switch n := utf8.RuneCountInString(strings.TrimSpace(r.Title)); {
	case n == 0:
		errs = append(errs, "title: required")
	case n > MaxTitle:
		errs = append(errs, fmt.Sprintf("title: at most %d characters, got %d", MaxTitle, n))
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(r.Text)); {
	case n == 0:
		errs = append(errs, "text: required")
	case n > MaxReportText:
		errs = append(errs, fmt.Sprintf("text: at most %d characters, got %d", MaxReportText, n))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// PublicSummary is what a civil-society group sees of a case shared with
// it: what the case is about and what kinds of record it holds, never the
// records themselves (a trace names suspects; an inspection could tip a
// facility off).
type PublicSummary struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	CreatedAt string `json:"created_at"`
	// Kinds lists the kinds of the case's items, in item order.
	Kinds []Kind `json:"kinds"`
}

// Public is the case's public summary.
func (c *Case) Public() PublicSummary {
	s := PublicSummary{ID: c.ID, Title: c.Title, CreatedAt: c.CreatedAt.In(Taipei).Format("2006-01-02T15:04:05-07:00"), Kinds: []Kind{}}
	for _, it := range c.Items {
		s.Kinds = append(s.Kinds, it.Kind)
	}
	return s
}
