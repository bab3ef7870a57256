package api

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/envtrace/envtrace/fixtures"
	"github.com/envtrace/envtrace/tracing/model"
)

// TestLatestCarriedOverByIngest checks the latest readings and RPI that an
// ingest carries over to the next snapshot (refreshLatest) against those
// computed from scratch from the same data, batch after batch, including a
// complete RPI sample that becomes a station's latest RPI.
func TestLatestCarriedOverByIngest(t *testing.T) {
	bs, err := fixtures.LoadCentral(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mb, err := NewMemoryBackendWithBasin(bs)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 8, 30, 0, 0, time.FixedZone("", 8*3600))
	sample := func(st string, at time.Time, do float64) []model.Reading {
		return []model.Reading{
			{Station: st, Time: at, Parameter: "DO", Value: do, Unit: "mg/L"},
			{Station: st, Time: at, Parameter: "BOD5", Value: 2.1, Unit: "mg/L"},
			{Station: st, Time: at, Parameter: "SS", Value: 12, Unit: "mg/L"},
			{Station: st, Time: at, Parameter: "NH3-N", Value: 0.4, Unit: "mg/L"},
		}
	}
	tests := []struct {
		name  string
		batch []model.Reading
		// rpiStation, when set, must have its latest RPI at the batch's time.
		rpiStation string
	}{
		{"a complete sample at one station", sample("WQ-M01", at, 6.5), "WQ-M01"},
		{"two stations, one of them again", append(sample("WQ-M02", at, 7.1), sample("WQ-M01", at.Add(24*time.Hour), 3.0)...), "WQ-M02"},
		{"one parameter, older than the latest", []model.Reading{{Station: "WQ-M01", Time: at.Add(-48 * time.Hour), Parameter: "COND", Value: 300, Unit: "µS/cm"}}, ""},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := mb.snapshot()
			before.latestByStation()
			if _, _, err := mb.IngestReadings(ctx, tc.batch); err != nil {
				t.Fatal(err)
			}
			cur, _ := mb.snapshot()
			carried := cur.latest.Load()
			if carried == nil {
				t.Fatal("the ingest did not carry the latest readings over")
			}
			scratch := (&tracingSnapshot{ds: cur.ds}).latestByStation()
			if !reflect.DeepEqual(*carried, scratch) {
				for st, want := range scratch {
					if got := (*carried)[st]; !reflect.DeepEqual(got, want) {
						t.Errorf("station %s: carried over %+v, computed %+v", st, got, want)
					}
				}
				t.Fatalf("carried-over latest readings differ from a full computation")
			}
			if tc.rpiStation != "" {
				if r := scratch[tc.rpiStation].rpi; r == nil || !r.Time.Equal(tc.batch[0].Time) {
					t.Errorf("station %s: latest RPI %+v, want the ingested sample's", tc.rpiStation, r)
				}
			}
		})
	}
}
