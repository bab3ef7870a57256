package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

type basinSummaryJSON struct {
	Start    string  `json:"start"`
	Minor    bool    `json:"minor"`
	Reaches  int     `json:"reaches"`
	LengthKm float64 `json:"length_km"`
	Spans    int     `json:"spans"`
	Upstream *struct {
		Facilities []string `json:"facilities"`
		Outfalls   int      `json:"outfalls"`
		Stations   []string `json:"stations"`
	} `json:"upstream"`
}

// TestBasinSummary checks GET /api/v1/basin against what navigation
// enumerates: from every station's reach of the central fixture, the
// reaches format=ids lists, their length, and the dischargers and stations
// placed on them.
func TestBasinSummary(t *testing.T) {
	s, fx := sharedServer(t)
	b := fx.basin
	net := b.Net
	for _, st := range b.StationIDs() {
		p, _ := b.Station(st)
		start := net.ID(p.Reach)
		t.Run(st, func(t *testing.T) {
			rec := get(t, s.Handler(), "/api/v1/basin?start="+start)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			got := decode[basinSummaryJSON](t, rec.Body.Bytes())
			ids := lines(get(t, s.Handler(), "/api/v1/navigate?mode=UT&format=ids&start="+start).Body.String())
			km, facilities, stations := 0.0, []string{}, []string{}
			for _, id := range ids {
				r, _ := net.Index(id)
				km += net.LengthKm(r)
				for _, o := range b.OutfallsOn(r) {
					if !slices.Contains(facilities, o.Outfall.Facility) {
						facilities = append(facilities, o.Outfall.Facility)
					}
				}
				for _, other := range b.StationIDs() {
					if q, _ := b.Station(other); q.Reach == r {
						stations = append(stations, other)
					}
				}
			}
			slices.Sort(facilities)
			slices.Sort(stations)
			if got.Start != start || !got.Minor || got.Reaches != len(ids) || got.LengthKm < km-0.001 || got.LengthKm > km+0.001 {
				t.Errorf("got %+v; navigation lists %d reaches, %.3f km", got, len(ids), km)
			}
			if got.Upstream == nil || !slices.Equal(got.Upstream.Facilities, facilities) || !slices.Equal(got.Upstream.Stations, stations) {
				t.Errorf("upstream %+v, want facilities %v and stations %v", got.Upstream, facilities, stations)
			}
		})
	}
	t.Run("unknown reach", func(t *testing.T) {
		rec := get(t, s.Handler(), "/api/v1/basin?start=nope")
		checkProblem(t, rec, rec.Body.Bytes(), http.StatusNotFound)
	})
	t.Run("no start", func(t *testing.T) {
		rec := get(t, s.Handler(), "/api/v1/basin")
		if p := checkProblem(t, rec, rec.Body.Bytes(), http.StatusBadRequest); !strings.Contains(rec.Body.String(), "start") {
			t.Errorf("problem does not name start: %+v", p)
		}
	})
}

// TestBasinSummaryBareNetwork: without a dataset the summary has totals
// only, and a dendritic chain's basin is one span.
func TestBasinSummaryBareNetwork(t *testing.T) {
	net := chainNetwork(t)
	s := newServer(t, quietConfig(), memoryBackend(t, net))
	rec := get(t, s.Handler(), "/api/v1/basin?start=199990&minor=false")
	got := decode[basinSummaryJSON](t, rec.Body.Bytes())
	if got.Reaches != 10 || got.LengthKm != 5 || got.Spans != 1 || got.Minor || got.Upstream != nil {
		t.Errorf("got %+v, want 10 reaches of 0.5 km in one span and no dataset", got)
	}
	if strings.Contains(rec.Body.String(), "upstream") {
		t.Errorf("a bare network reports dataset objects: %s", rec.Body)
	}
}
