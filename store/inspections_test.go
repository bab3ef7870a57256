package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
)

// TestInspectionRepositories runs the same record tests on both stores.
func TestInspectionRepositories(t *testing.T) {
	t.Run("memory", func(t *testing.T) { inspectionRepo(t, store.NewMemory()) })
	t.Run("postgis", func(t *testing.T) { inspectionRepo(t, store.New(migrated(t, postgis.Options{}))) })
}

func ptr(v float64) *float64 { return &v }

func inspectionRepo(t *testing.T, repo inspection.Repository) {
	ctx := context.Background()
	tz := time.FixedZone("Asia/Taipei", 8*3600)
	night := &inspection.Record{ID: "I-20260814-01", Facility: "N1489153", Date: time.Date(2026, 8, 14, 2, 30, 0, 0, tz),
		Selection: "risk", Propensity: 1, Night: true,
		Findings:   []inspection.Finding{{Code: "bypass", Description: "暗管通往福田圳"}},
		Samples:    []inspection.Sample{{ID: "S-01", Outfall: "D01", Parameter: "Cu", Value: 1815, Unit: "µg/L", Limit: ptr(3000), Lab: "中部環境檢驗室"}},
		Penalties:  []inspection.Penalty{{Article: "水污法第40條", AmountTWD: 300000, Date: time.Date(2026, 9, 1, 0, 0, 0, 0, tz)}},
		Violations: []inspection.Violation{{Article: "水污法第7條", Description: "超過放流水標準"}}}
	clean := &inspection.Record{ID: "I-20260301-07", Facility: "N1489153", Date: time.Date(2026, 3, 1, 10, 0, 0, 0, tz),
		Selection: "random", Propensity: 0.08,
		Samples: []inspection.Sample{{ID: "S-02", Parameter: "Cu", Value: 0.4, Unit: "mg/L", Limit: ptr(3)}}}
	other := &inspection.Record{ID: "I-20260501-02", Facility: "B7695416", Date: time.Date(2026, 5, 1, 10, 0, 0, 0, tz), Selection: "complaint"}
	for _, r := range []*inspection.Record{night, clean, other} {
		if err := repo.PutInspection(ctx, r); err != nil {
			t.Fatalf("put %s: %v", r.ID, err)
		}
	}
	got, err := repo.Inspection(ctx, night.ID)
	if err != nil {
		t.Fatal(err)
	}
	s := got.Samples[0]
	if s.Unit != "mg/L" || s.Value != 1.815 || *s.Limit != 3 || s.Exceeds() {
		t.Errorf("sample stored as %v %s (limit %v): want 1.815 mg/L, limit 3, not exceeding", s.Value, s.Unit, *s.Limit)
	}
	if !got.Violated() || got.Findings[0].Description != "暗管通往福田圳" || got.Penalties[0].AmountTWD != 300000 || !got.Date.Equal(night.Date) {
		t.Errorf("record read back changed: %+v", got)
	}
	list, err := repo.Inspections(ctx, "N1489153")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != clean.ID || list[1].ID != night.ID {
		t.Errorf("facility list %v, want the March then the August record", ids(list))
	}
	if o := list[0].Outcome(); o.Violation || o.Propensity != 0.08 || o.IPW() != 12.5 {
		t.Errorf("clean outcome %+v (IPW %v)", o, o.IPW())
	}
	all, _ := repo.Inspections(ctx, "")
	if len(all) != 3 {
		t.Errorf("all records %v", ids(all))
	}
	other.Violations = []inspection.Violation{{Article: "空污法第32條"}}
	if err := repo.PutInspection(ctx, other); err != nil {
		t.Fatal(err)
	}
	if r, _ := repo.Inspection(ctx, other.ID); !r.Violated() {
		t.Error("a put did not replace the record")
	}
	if _, err := repo.Inspection(ctx, "I-20990101-00"); !errors.Is(err, inspection.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	for name, bad := range map[string]*inspection.Record{
		"random without propensity": {ID: "I-20260601-01", Facility: "X", Date: night.Date, Selection: "random"},
		"unknown selection":         {ID: "I-20260601-02", Facility: "X", Date: night.Date, Selection: "hunch"},
		"bad unit":                  {ID: "I-20260601-03", Facility: "X", Date: night.Date, Selection: "risk", Samples: []inspection.Sample{{ID: "s", Parameter: "Cu", Value: 1, Unit: "ppm-ish"}}},
		"bad id":                    {ID: "20260601", Facility: "X", Date: night.Date, Selection: "risk"},
	} {
		if err := repo.PutInspection(ctx, bad); !errors.Is(err, inspection.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
		if _, err := repo.Inspection(ctx, bad.ID); !errors.Is(err, inspection.ErrNotFound) {
			t.Errorf("%s: an invalid record was stored", name)
		}
	}
}

func ids(rs []*inspection.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
