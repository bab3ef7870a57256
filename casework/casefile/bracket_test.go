package casefile_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/casework/casetest"
)

// bracketColumn renders c's CSV and returns the upstream-station column
// (上游測站比對) of the facility's row.
func bracketColumn(t *testing.T, c *casework.Case, facility string) string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(render(t, c, casework.FormatCSV), []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col, id := -1, -1
	for i, h := range rows[0] {
		switch h {
		case "上游測站比對":
			col = i
		case "管制編號":
			id = i
		}
	}
	if col < 0 || id < 0 {
		t.Fatalf("no 上游測站比對 or 管制編號 column in %v", rows[0])
	}
	for _, row := range rows[1:] {
		if len(row) > col && row[id] == facility {
			return row[col]
		}
	}
	t.Fatalf("no row for %s", facility)
	return ""
}

// TestCSVWordsBracketingInChinese: a suspect whose evidence carries the
// bracketing notes gets them worded in Traditional Chinese in the CSV,
// station by station in their order, with the sample's time in Taiwan
// time and its weight; a case saved before the notes existed keeps the
// engine's English sentence, the only record it has.
func TestCSVWordsBracketingInChinese(t *testing.T) {
	at := time.Date(2026, 8, 14, 1, 0, 0, 0, time.UTC)
	const english = "station WQ-M03 downstream of this outfall read clean at 2026-08-14 00:00, at the edge of the window (weight 0.31): the score is lowered, not cleared; the excess was already present upstream at station WQ-M02, above this outfall"
	mk := func(notes string) *casework.Case {
		tr := casetest.Trace("WQ-C1-01", "explained")
		ev := `{"bracketing":` + mustQuote(t, english) + notes + `}`
		tr.Result = json.RawMessage(`{"station":"WQ-C1-01","parameter":"Cu","verdict":"explained","suspects":[{"facility_id":"B7695416","name":"印刷電路板廠","rank":1,"score":0.5,"evidence":` + ev + `}]}`)
		c, err := casework.New("上游比對", "user:alice", at, tr)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	withNotes := mk(`,"bracketing_by":[{"kind":"lowered","station":"WQ-M03","time":"2026-08-13T16:00:00Z","weight":0.3125},` +
		`{"kind":"dirty_above","station":"WQ-M02","time":"2026-08-13T14:30:00Z","weight":1}]`)
	want := "此排放口下游的 WQ-M03 測站於 2026-08-14 00:00 (+08:00)（時窗邊緣）量測正常（權重 0.31）：分數調降，未排除；" +
		"超量於 2026-08-13 22:30 (+08:00) 已出現在此排放口上游的 WQ-M02 測站"
	if got := bracketColumn(t, withNotes, "B7695416"); got != want {
		t.Errorf("with notes:\n got %s\nwant %s", got, want)
	}
	if got := bracketColumn(t, mk(""), "B7695416"); got != english {
		t.Errorf("a case saved before the notes: %s, want the English sentence", got)
	}
	if got := bracketColumn(t, mk(`,"bracketing_by":[{"kind":"tidal","station":"WQ-M08","time":"2026-08-13T16:00:00Z","weight":1}]`), "B7695416"); got != english {
		t.Errorf("a note of an unknown kind: %s, want the English sentence rather than a guess", got)
	}
}

func mustQuote(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
