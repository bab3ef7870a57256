package casefile_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/casework/casefile"
	"github.com/envtrace/envtrace/casework/casetest"
)

// TestReportListsRelatedItems: the printable report lists a joint case's
// petitions, dumping reports and civil-society reports and its referral
// history; what a reference's summary holds is not printed.
func TestReportListsRelatedItems(t *testing.T) {
	at := time.Date(2026, 8, 14, 1, 0, 0, 0, time.UTC)
	c, err := casework.New("聯合稽查", "user:alice", at, casetest.Trace("WQ-M01", "explained"))
	if err != nil {
		t.Fatal(err)
	}
	pet, err := casework.NewRef(casework.KindPetition, "OP-000007", "/api/v1/odour/petitions/OP-000007", json.RawMessage(`{"petition_id":"OP-000007","lon":120.3457}`))
	if err != nil {
		t.Fatal(err)
	}
	dump, err := casework.NewRef(casework.KindDumping, "DR-42", "/api/v1/dumping/public/reports/DR-42", json.RawMessage(`{"id":"DR-42"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []casework.Body{pet, dump, &casework.NGOReport{Title: "現場採樣", Text: "下游排水溝呈紅褐色"}} {
		if _, err := c.Add(b, "user:bob", at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Refer("TXG", "排放源位於臺中市", "user:bob", at.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	f, err := casefile.Render(c, casework.FormatReport)
	if err != nil {
		t.Fatal(err)
	}
	html := string(f.Body)
	for _, want := range []string{"七、案件關聯紀錄", "八、資料快照", "陳情", "OP-000007", "棄置通報", "DR-42", "民間團體報告", "下游排水溝呈紅褐色",
		`id="referrals"`, "中央", "TXG", "排放源位於臺中市", "2026-08-14 11:00", "2026-08-14 10:00", c.Items[1].Digest} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "120.3457") {
		t.Error("the report prints a reference's summary")
	}
	t.Run("a trace-only case keeps its numbering", func(t *testing.T) {
		plain, _ := casework.New("單一追查", "user:alice", at, casetest.Trace("WQ-M01", "explained"))
		f, err := casefile.Render(plain, casework.FormatReport)
		if err != nil {
			t.Fatal(err)
		}
		if s := string(f.Body); strings.Contains(s, "案件關聯紀錄") || !strings.Contains(s, "七、資料快照") {
			t.Error("a case without related items has a related section or lost section 七")
		}
	})
}
