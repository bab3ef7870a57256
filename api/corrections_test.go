package api_test

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/envtrace/envtrace/api"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
)

// TestCorrectReadingsAgainstScratch corrects readings in a running backend
// (the latest DO of a station's latest complete RPI sample, a station's
// last reading, the dataset's first reading), with requests reading the
// data meanwhile, then ingests one more reading, and compares what every
// station endpoint answers with a backend built from scratch over a
// dataset holding the corrected values, which the test writes into a
// plain copy of the readings. The snapshot taken before keeps the old
// values.
func TestCorrectReadingsAgainstScratch(t *testing.T) {
	fx, err := centralData()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Three stations' readings of the fixture, one of them with a
	// complete RPI sample, keep the test small.
	ds := fixtureSubset(t, fx)
	b, err := basin.New(fx.net, ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := api.NewMemoryBackendWithBasin(b)
	if err != nil {
		t.Fatal(err)
	}
	// The latest readings are computed before the correction, so that
	// the correction carries them over rather than computing them anew.
	stations, err := mb.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plain := slices.Clone(ds.CurrentReadings())
	at := map[model.ReadingKey]int{}
	for i := range plain {
		at[model.KeyOf(&plain[i])] = i
	}
	var fixed []model.Reading
	correct := func(i int, value float64) {
		r := plain[i]
		r.Value = value
		fixed = append(fixed, r)
		plain[i] = r
	}
	var rpiStation, lastStation string
	for _, s := range stations {
		if s.RPI != nil && rpiStation == "" {
			rpiStation = s.Station.ID
			i, ok := at[model.ReadingKey{Station: s.Station.ID, UnixNano: s.RPI.Time.UnixNano(), Parameter: "DO"}]
			if !ok {
				t.Fatalf("station %s: no DO reading at its latest RPI sample", s.Station.ID)
			}
			correct(i, plain[i].Value/4+0.1) // a lower DO scores more RPI points
		}
	}
	for _, s := range stations {
		if own := ds.ReadingsAt(s.Station.ID); s.Station.ID != rpiStation && len(own) > 0 {
			lastStation = s.Station.ID
			r := own[len(own)-1]
			correct(at[model.KeyOf(r)], r.Value*1.5+1)
			break
		}
	}
	if rpiStation == "" || lastStation == "" {
		t.Fatal("the fixture lacks a station with an RPI sample, or a second station with readings")
	}
	correct(0, plain[0].Value/2)
	before := mb.Basin()

	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() { // a request in flight on every snapshot the correction makes
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := mb.Station(ctx, rpiStation); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	n, err := mb.CorrectReadings(ctx, fixed)
	close(done)
	wg.Wait()
	if err != nil || n != len(fixed) {
		t.Fatalf("corrected %d of %d readings: %v", n, len(fixed), err)
	}
	if again, err := mb.CorrectReadings(ctx, fixed); err != nil || again != 0 {
		t.Errorf("the same corrections again changed %d readings (%v), want 0", again, err)
	}
	for i := range before.DS.NumReadings() {
		if *before.DS.Reading(i) != *ds.Reading(i) {
			t.Fatalf("the snapshot taken before the correction changed at reading %d", i)
		}
	}
	extra := model.Reading{Station: lastStation, Time: time.Date(2030, 1, 2, 9, 0, 0, 0, time.FixedZone("", 8*3600)),
		Parameter: "NH3-N", Value: 0.7, Unit: "mg/L"}
	if in, _, err := mb.IngestReadings(ctx, []model.Reading{extra}); err != nil || in != 1 {
		t.Fatalf("ingest after the correction: %d, %v", in, err)
	}
	plain = append(plain, extra)

	sds := &model.Dataset{NetworkPath: ds.NetworkPath, Facilities: ds.Facilities, Outfalls: ds.Outfalls, Permits: ds.Permits,
		Limits: ds.Limits, Reports: ds.Reports, Effluent: ds.Effluent, Stations: ds.Stations}
	sds.SetReadings(plain)
	sb, err := basin.New(fx.net, sds, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := api.NewMemoryBackendWithBasin(sb)
	if err != nil {
		t.Fatal(err)
	}
	gotAll, err := mb.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantAll, err := want.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotAll, wantAll) {
		t.Error("the station list differs from the from-scratch backend's")
	}
	for _, id := range []string{rpiStation, lastStation, plain[0].Station} {
		g, err1 := mb.Station(ctx, id)
		w, err2 := want.Station(ctx, id)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(g, w) {
			t.Errorf("station %s: %+v (%v), from scratch %+v (%v)", id, g, err1, w, err2)
		}
		gr, err1 := mb.StationRPI(ctx, id)
		wr, err2 := want.StationRPI(ctx, id)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(gr, wr) {
			t.Errorf("station %s RPI series: %+v (%v), from scratch %+v (%v)", id, gr, err1, wr, err2)
		}
		q := api.ReadingsQuery{Station: id, Limit: 1 << 20}
		gp, err1 := mb.Readings(ctx, q)
		wp, err2 := want.Readings(ctx, q)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(gp, wp) {
			t.Errorf("station %s readings differ from the from-scratch backend's (%v, %v)", id, err1, err2)
		}
	}
	if g, w := mb.Basin().DS.Digest(), sds.Digest(); g != w {
		t.Errorf("digest %s, from scratch %s", g, w)
	}
}

// fixtureSubset is the central fixture's records with the readings of its
// first three stations that have any, one of them with a complete RPI
// sample (DO, BOD5, SS and NH3-N at one instant).
func fixtureSubset(t *testing.T, fx *centralFixture) *model.Dataset {
	t.Helper()
	full := fx.basin.DS
	keep := map[string]bool{}
	withRPI := false
	for _, st := range full.Stations {
		own := full.ReadingsAt(st.ID)
		if len(own) == 0 || len(keep) == 2 && !withRPI && !completeSample(own) {
			continue
		}
		keep[st.ID] = true
		withRPI = withRPI || completeSample(own)
		if len(keep) == 3 {
			break
		}
	}
	if !withRPI {
		t.Fatal("the fixture has no station with a complete RPI sample")
	}
	ds := &model.Dataset{NetworkPath: full.NetworkPath, Facilities: full.Facilities, Outfalls: full.Outfalls, Permits: full.Permits,
		Limits: full.Limits, Reports: full.Reports, Effluent: full.Effluent, Stations: full.Stations}
	for _, r := range full.CurrentReadings() {
		if keep[r.Station] {
			ds.AppendReadings(r)
		}
	}
	if err := ds.Index(); err != nil {
		t.Fatal(err)
	}
	return ds
}

// completeSample says whether readings hold DO, BOD5, SS and NH3-N at one
// instant.
func completeSample(rs []*model.Reading) bool {
	at := map[int64]int{}
	for _, r := range rs {
		switch r.Parameter {
		case "DO", "BOD5", "SS", "NH3-N":
			at[r.Time.UnixNano()]++
			if at[r.Time.UnixNano()] == 4 {
				return true
			}
		}
	}
	return false
}
