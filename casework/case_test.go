package casework_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/casework/casetest"
	"github.com/envtrace/envtrace/tracing/model"
)

func TestGrade(t *testing.T) {
	full := model.Sample{ID: "S-1", Method: "NIEA W515.55A", Lab: "lab", Accreditation: "TAF 0001", QA: model.QAValid}
	tests := []struct {
		name   string
		kind   model.StationKind
		s      model.Sample
		grade  string
		reason string
	}{
		{"complete lab sample", model.Fixed, full, casework.GradeEvidence, ""},
		{"sensor reading", model.Continuous, model.Sample{}, casework.GradeScreening, "continuous sensor reading; no sample id; no NIEA method; no accredited laboratory; QA not valid"},
		{"sampled at a continuous station", model.Continuous, full, casework.GradeEvidence, ""},
		{"method not NIEA", model.Fixed, func() model.Sample { s := full; s.Method = "APHA 5220 D"; return s }(), casework.GradeScreening, "no NIEA method"},
		{"lab without accreditation", model.Fixed, func() model.Sample { s := full; s.Accreditation = ""; return s }(), casework.GradeScreening, "no accredited laboratory"},
		{"QA qualified", model.Fixed, func() model.Sample { s := full; s.QA = model.QAQualified; return s }(), casework.GradeScreening, "QA not valid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, r := casework.Grade(tc.kind, tc.s)
			if g != tc.grade || r != tc.reason {
				t.Errorf("got %s %q, want %s %q", g, r, tc.grade, tc.reason)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	at := time.Date(2026, 8, 14, 23, 30, 0, 0, time.UTC) // 07:30 on the 15th in Taiwan
	c, err := casework.New("  福田圳  ", "user:a", at, casetest.Trace("WQ-C1-01", "explained"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.ID, "C-20260815-") || !casework.ValidID(c.ID) || c.Title != "福田圳" || c.SharedWith[0].Access != casework.AccessEdit {
		t.Errorf("case %s %q shares %+v", c.ID, c.Title, c.SharedWith)
	}
	for name, build := range map[string]func() (*casework.Case, error){
		"no title": func() (*casework.Case, error) {
			return casework.New(" ", "user:a", at, casetest.Trace("S", "explained"))
		},
		"no item":    func() (*casework.Case, error) { return casework.New("t", "user:a", at) },
		"no verdict": func() (*casework.Case, error) { return casework.New("t", "user:a", at, casetest.Trace("S", "")) },
		"no creator": func() (*casework.Case, error) { return casework.New("t", "", at, casetest.Trace("S", "explained")) },
		"long title": func() (*casework.Case, error) {
			return casework.New(strings.Repeat("案", 201), "u", at, casetest.Trace("S", "explained"))
		},
	} {
		if _, err := build(); !errors.Is(err, casework.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

// TestDecodeItemRefusesAlteredBody checks the digest guard: a stored body
// that no longer matches its digest is refused, naming the item.
func TestDecodeItemRefusesAlteredBody(t *testing.T) {
	c, err := casework.New("t", "user:a", time.Now(), casetest.Trace("WQ-C1-01", "explained"))
	if err != nil {
		t.Fatal(err)
	}
	it := c.Items[0]
	if _, err := casework.DecodeItem(it.Seq, it.Kind, it.AddedBy, it.AddedAt, it.Digest, it.Raw()); err != nil {
		t.Fatalf("intact item: %v", err)
	}
	altered := []byte(strings.Replace(string(it.Raw()), "N1489153", "N0000000", 1))
	_, err = casework.DecodeItem(it.Seq, it.Kind, it.AddedBy, it.AddedAt, it.Digest, altered)
	if !errors.Is(err, casework.ErrInvalid) || !strings.Contains(err.Error(), "altered") {
		t.Errorf("altered item: %v", err)
	}
	if _, err := casework.DecodeItem(1, "leaflet", "u", time.Now(), it.Digest, it.Raw()); !errors.Is(err, casework.ErrInvalid) {
		t.Errorf("unknown kind: %v", err)
	}
}
