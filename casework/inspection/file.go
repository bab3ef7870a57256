package inspection

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/envtrace/envtrace/internal/csvtab"
	"github.com/envtrace/envtrace/tracing/model"
)

// fileSchema is inspections.csv: one row per inspection, the summary a
// bureau exports (samples and findings live in the store's records).
var fileSchema = csvtab.Schema{
	Required: []string{"inspection_id", "ems_no", "date", "selection", "violation"},
	Optional: []string{"propensity", "article", "penalty_twd", "night", "inspector", "note"},
}

// ReadDir reads a data directory's inspections.csv (model.FileInspections);
// a missing file means no records. Rows are validated like stored records;
// a row with violation=true must name its article.
func ReadDir(dir string) ([]*Record, error) {
	path := filepath.Join(dir, model.FileInspections)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	rs, err := csvtab.ReadFile(path, fileSchema, readRow)
	if err != nil {
		return nil, err
	}
	out := make([]*Record, 0, len(rs))
	seen := map[string]bool{}
	for i, r := range rs {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("%s: record %d (%s): %w", model.FileInspections, i+1, r.ID, err)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("%s: %w: inspection_id %s appears twice", model.FileInspections, ErrInvalid, r.ID)
		}
		seen[r.ID] = true
		out = append(out, r)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Date.Before(out[b].Date) })
	return out, nil
}

func readRow(row *csvtab.Row) *Record {
	row.Required("inspection_id", "ems_no", "date", "selection", "violation")
	r := &Record{ID: row.Str("inspection_id"), Facility: row.Str("ems_no"), Date: row.Date("date"),
		Selection: row.Str("selection"), Inspector: row.Str("inspector"), Note: row.Str("note")}
	if v, ok := row.Float("propensity"); ok {
		r.Propensity = v
	}
	r.Night = parseBool(row, "night")
	if parseBool(row, "violation") {
		art := row.Str("article")
		if art == "" {
			row.Fail("article", errors.New("a violation must name its legal article"))
		}
		r.Violations = []Violation{{Article: art, Description: r.Note}}
		if v, ok := row.Float("penalty_twd"); ok {
			r.Penalties = []Penalty{{Article: art, AmountTWD: v, Date: r.Date}}
		}
	}
	return r
}

func parseBool(row *csvtab.Row, col string) bool {
	s := strings.ToLower(row.Str(col))
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		row.Fail(col, fmt.Errorf("%q is not true or false", s))
	}
	return b
}
