package farmland

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/hydro"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/basin"
	"github.com/envtrace/envtrace/tracing/model"
)

// centralDir is the embedded central-Taiwan fixture, read in place.
var centralDir = filepath.Join("..", "..", "fixtures", "central")

func centralEngine(t testing.TB) *Engine {
	t.Helper()
	ds, err := model.ReadDir(centralDir)
	if err != nil {
		t.Fatal(err)
	}
	net, _, err := hydro.Load(context.Background(), ds.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := basin.New(net, ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadDir(centralDir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(b, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The fixture's four canals leave the river (or a canal) and end in the
// fields: each is a canal, none a braid.
func TestCentralDiversionsAreCanals(t *testing.T) {
	e := centralEngine(t)
	divs, err := Diversions(context.Background(), e.B.Net)
	if err != nil {
		t.Fatal(err)
	}
	var canals []string
	for _, d := range divs {
		if !d.Canal {
			t.Errorf("%s → %s rejoins at %s; the fixture has no braids", d.From, d.Minor, d.Rejoins)
		}
		canals = append(canals, d.Minor)
	}
	slices.Sort(canals)
	if want := []string{"C1-01", "C2-01", "C2A-01", "C3-01"}; !slices.Equal(canals, want) {
		t.Errorf("canals %v, want %v", canals, want)
	}
}

func TestCentralCanalSemantics(t *testing.T) {
	e := centralEngine(t)
	at := time.Date(2026, 8, 14, 4, 0, 0, 0, time.FixedZone("CST", 8*3600))
	cu := 3.0
	tests := []struct {
		name string
		q    Request
		// prefixes of the intakes reached; every intake of these canals
		// below the source, none of others.
		want []string
	}{
		{"plating shop on the Futian canal reaches only the turnouts below it",
			Request{Facility: "N1489153", Parameter: "Cu", Time: at}, []string{"IN-C1-06", "IN-C1-10", "IN-C1-15", "IN-C1-20"}},
		{"PCB plant on the river above every canal reaches all of them",
			Request{Facility: "B7695416", Parameter: "Cu", Value: &cu, Unit: "mg/L", Time: at}, allIntakes(e, "IN-C1-", "IN-C2-", "IN-C2A-", "IN-C3-")},
		{"reading below the Futian intake reaches none of the Futian canal",
			Request{Station: "WQ-M04", Parameter: "Cu", Value: &cu, Unit: "mg/L", Time: at}, allIntakes(e, "IN-C2-", "IN-C2A-", "IN-C3-")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im, err := e.Impact(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, ii := range im.Intakes {
				got = append(got, ii.IntakeID)
				if ii.Dilution < 1 || ii.TravelHours < 0 || ii.Concentration < 0 {
					t.Errorf("%s: dilution %v, hours %v, concentration %v", ii.IntakeID, ii.Dilution, ii.TravelHours, ii.Concentration)
				}
				if i > 0 && ii.TravelHours < im.Intakes[i-1].TravelHours {
					t.Errorf("%s is listed after a later intake", ii.IntakeID)
				}
				if ii.Office == "" || ii.AreaHa <= 0 {
					t.Errorf("%s: office %q, area %v ha", ii.IntakeID, ii.Office, ii.AreaHa)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("reached %v\nwant    %v", got, tt.want)
			}
		})
	}
}

func allIntakes(e *Engine, prefixes ...string) []string {
	var out []string
	for _, in := range e.D.Intakes {
		for _, p := range prefixes {
			if strings.HasPrefix(in.ID, p) {
				out = append(out, in.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestCentralErrors(t *testing.T) {
	e := centralEngine(t)
	at := time.Date(2026, 8, 14, 4, 0, 0, 0, time.UTC)
	v := 1.0
	for _, tt := range []struct {
		name string
		q    Request
		want error
	}{
		{"unknown facility", Request{Facility: "X0000000", Parameter: "Cu", Time: at}, ErrUnknown},
		{"unknown station", Request{Station: "WQ-NOPE", Parameter: "Cu", Value: &v, Unit: "mg/L", Time: at}, ErrUnknown},
		{"unknown parameter", Request{Station: "WQ-M04", Parameter: "Unobtainium", Value: &v, Unit: "mg/L", Time: at}, ErrUnknownParameter},
		{"air parameter", Request{Station: "WQ-M04", Parameter: "SO2", Value: &v, Unit: "ppb", Time: at}, ErrUnknownParameter},
		{"station without a value", Request{Station: "WQ-M04", Parameter: "Cu", Time: at}, ErrNoValue},
		{"permit without a limit for the parameter", Request{Facility: "N1489153", Parameter: "Hg", Time: at}, ErrNoValue},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.Impact(context.Background(), tt.q); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// hydroloom/hr.csv's divergences rejoin the river: braids, not canals.
func TestHydroloomDivergencesAreBraids(t *testing.T) {
	path := realdata.Path(t, "hydroloom/hr.csv")
	net, _, err := hydro.Load(context.Background(), path, hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	divs, err := Diversions(context.Background(), net)
	if err != nil {
		t.Fatal(err)
	}
	if len(divs) < 100 {
		t.Fatalf("%d divergences, want the ~190 of hr.csv", len(divs))
	}
	canals := 0
	for _, d := range divs {
		if d.Canal {
			canals++
			t.Logf("%s → %s does not rejoin", d.From, d.Minor)
		}
	}
	if canals > 0 {
		t.Errorf("%d of %d divergences classified as canals; hr.csv's all rejoin", canals, len(divs))
	}
}

// The Futian canal's first-ranked area names the plating shop with its
// canal permit (搭排) among its suspects.
func TestCentralAccumulationSuspects(t *testing.T) {
	e := centralEngine(t)
	tz := time.FixedZone("CST", 8*3600)
	res, err := e.Accumulate(context.Background(), time.Date(2026, 1, 1, 0, 0, 0, 0, tz), time.Date(2026, 10, 1, 0, 0, 0, 0, tz))
	if err != nil {
		t.Fatal(err)
	}
	top := res.Areas[0]
	if !strings.HasPrefix(top.AreaID, "FA-C1-") {
		t.Fatalf("first-ranked area %s, want one on the Futian canal below the plating shop", top.AreaID)
	}
	found := false
	for _, s := range top.Suspects {
		if s.FacilityID == "N1489153" {
			found = s.CanalPermit != ""
		}
	}
	if !found {
		t.Errorf("%s: suspects %+v lack the plating shop with its canal permit", top.AreaID, top.Suspects)
	}
}

// On over a later basin on the same network keeps the intakes' places;
// over a basin on another network (loaded again) it places them on that
// network, each on its own reach there.
func TestOnKeepsOrPlacesIntakes(t *testing.T) {
	e := centralEngine(t)
	later := *e.B
	same, err := e.On(&later)
	if err != nil {
		t.Fatal(err)
	}
	if same.B != &later || !slices.Equal(same.intakes, e.intakes) {
		t.Errorf("On over the same network: basin %p (want %p), intakes changed", same.B, &later)
	}
	net, _, err := hydro.Load(context.Background(), e.B.DS.NetworkPath, hydro.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := basin.New(net, e.B.DS, 0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.On(b)
	if err != nil {
		t.Fatal(err)
	}
	if other.B.Net != net || len(other.intakes) != len(e.intakes) || len(e.intakes) == 0 {
		t.Fatalf("On over another network: %d intakes (want %d)", len(other.intakes), len(e.intakes))
	}
	for _, in := range other.intakes {
		if got := net.ID(in.place.Reach); got != in.ReachID {
			t.Errorf("intake %s placed on %s of the other network, want %s", in.ID, got, in.ReachID)
		}
	}
}
