package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/casework/inspection"
	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
)

// TestSelfReportRepositories runs the same self-report tests on both
// stores: a submission is stored as submitted with its value converted,
// a decision is final and two concurrent decisions cannot both win.
func TestSelfReportRepositories(t *testing.T) {
	src := centralSource(t)
	t.Run("memory", func(t *testing.T) { selfReportRepo(t, src, store.NewMemory()) })
	t.Run("postgis", func(t *testing.T) {
		pool := migrated(t, postgis.Options{})
		r := selfReportRepo(t, src, store.New(pool))
		// The decision is final in the database too, whoever writes SQL.
		if _, err := pool.Exec(context.Background(), "update self_reports set status = 'submitted' where id = $1", r); err == nil {
			t.Error("a decided self-report was changed by SQL")
		}
		if _, err := pool.Exec(context.Background(), "delete from self_reports where id = $1", r); err == nil {
			t.Error("a decided self-report was deleted by SQL")
		}
	})
}

// facilityA acts for the fixture's plating shop.
type facilityA struct{}

func (facilityA) FacilityID() (string, bool) { return "N1489153", true }

func centralSource(t *testing.T) *inspection.Source {
	t.Helper()
	dir := t.TempDir()
	if err := fixtures.WriteCentral(dir); err != nil {
		t.Fatal(err)
	}
	src, err := inspection.ReadSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// selfReportRepo returns the id of the decided self-report.
func selfReportRepo(t *testing.T, base *inspection.Source, repo inspection.SelfReports) string {
	ctx := context.Background()
	src := *base
	src.SelfReports = repo
	now := time.Date(2026, 9, 2, 10, 0, 0, 0, inspection.Taipei)
	in := &inspection.SelfReportInput{Kind: inspection.KindMonitoring, Monitoring: &inspection.Monitoring{
		Permit: "彰縣環水許字第10043號", Parameter: "COD", Value: 120000, Unit: "µg/L", SampledAt: now.Add(-24 * time.Hour)}}
	r, err := inspection.Submit(ctx, &src, facilityA{}, in, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := repo.SelfReport(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	m := got.Monitoring
	if got.Status != inspection.StatusSubmitted || m.Value != 120 || m.Unit != "mg/L" || !m.Exceeds || len(m.Limits) != 1 || m.Limits[0].Value != 100 {
		t.Errorf("stored %+v, monitoring %+v: want 120 mg/L, submitted, above the 100 mg/L limit", got, m)
	}
	if m.Limits[0].ExceedancePct < 19.99 || m.Limits[0].ExceedancePct > 20.01 {
		t.Errorf("exceedance %v %%, want 20", m.Limits[0].ExceedancePct)
	}
	if err := repo.AddSelfReport(ctx, got); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("the same id stored twice: %v", err)
	}
	var wins, losses int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, d := range []inspection.Decision{{Status: inspection.StatusAccepted}, {Status: inspection.StatusRejected, Reason: "檢驗室未經認可"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := repo.DecideSelfReport(ctx, r.ID, func(r *inspection.SelfReport) error { return r.Decide(d, "officer-1", now.Add(time.Hour)) })
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, inspection.ErrDecided):
				losses++
			default:
				t.Errorf("decide: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || losses != 1 {
		t.Fatalf("%d decisions won and %d were refused, want one each", wins, losses)
	}
	got, _ = repo.SelfReport(ctx, r.ID)
	if len(got.History) != 2 || got.History[1].Status != got.Status || got.History[1].By != "officer-1" {
		t.Errorf("history %+v", got.History)
	}
	if _, err := repo.DecideSelfReport(ctx, "SR-20260902-0000000000000000", func(*inspection.SelfReport) error { return nil }); !errors.Is(err, inspection.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	list, err := repo.SelfReportsOf(ctx, "N1489153")
	if err != nil || len(list) != 1 || list[0].ID != r.ID {
		t.Errorf("facility list %v %v", list, err)
	}
	if other, _ := repo.SelfReportsOf(ctx, "N7789799"); len(other) != 0 {
		t.Errorf("another facility lists %d self-reports", len(other))
	}
	return r.ID
}
