package realdata

import (
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Table is a real-data CSV file read whole. The shared tables (gage lists,
// station lists, NHDPlus attribute tables) are small, and every test that
// compares the engine with them reads them this one way: header by name,
// a UTF-8 byte order mark dropped, a missing column a test failure.
type Table struct {
	// Header holds the column names in file order.
	Header []string
	// Rows holds the records after the header.
	Rows [][]string
	col  map[string]int
}

// ReadCSV reads rel (slash-separated, relative to the data directory) as a
// Table, skipping the test as Path does when the file is missing and
// failing it when the file is not CSV.
func ReadCSV(t testing.TB, rel string) *Table {
	t.Helper()
	path := Path(t, rel)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no header", rel)
	}
	tb := &Table{Header: rows[0], Rows: rows[1:], col: map[string]int{}}
	tb.Header[0] = strings.TrimPrefix(tb.Header[0], "\ufeff")
	for i, h := range tb.Header {
		tb.col[h] = i
	}
	return tb
}

// Col is the index of column name, failing the test when the file has no
// such column (a renamed column must not read as empty values).
func (tb *Table) Col(t testing.TB, name string) int {
	t.Helper()
	i, ok := tb.col[name]
	if !ok {
		t.Fatalf("no column %q in %v", name, tb.Header)
	}
	return i
}

// Records returns every row as a map from column name to value.
func (tb *Table) Records() []map[string]string {
	out := make([]map[string]string, len(tb.Rows))
	for k, r := range tb.Rows {
		m := make(map[string]string, len(tb.Header))
		for i, h := range tb.Header {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		out[k] = m
	}
	return out
}

// Float parses s as a number, failing the test with what names it when it
// is not one.
func Float(t testing.TB, s, what string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}
