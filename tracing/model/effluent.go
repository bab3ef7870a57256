package model

import (
	"errors"
	"fmt"
	"time"
)

// FileEffluent holds the online effluent monitoring series (連線自動監測):
// what a facility's own monitor measured at its outfall, day by day. Its
// reports feed the anomaly screen of the permit checks (spikes, level
// shifts, stuck sensors), which monthly discharge monitoring reports are
// too short for.
const FileEffluent = "effluent.csv"

// EffluentReading is one value of a facility's online effluent monitor
// (pH, water temperature, conductivity, flow, COD ...), usually a daily
// mean. Permits of 1,500 m³/day or more must carry such a monitor.
type EffluentReading struct {
	Facility  string    // ems_no
	Outfall   string    // let; empty when the monitor is not tied to one outfall
	Time      time.Time // with its zone offset; for a daily mean, the day's start
	Parameter string    // tracing/param id
	Value     float64
	Unit      string // canonical unit symbol
	Note      string
}

// EffluentKey identifies one monitored series: a facility's outfall and
// parameter.
type EffluentKey struct{ Facility, Outfall, Parameter string }

// Key returns the series the reading belongs to.
func (r *EffluentReading) Key() EffluentKey {
	return EffluentKey{Facility: r.Facility, Outfall: r.Outfall, Parameter: r.Parameter}
}

// EffluentOf returns a facility's online monitoring readings in file order.
func (d *Dataset) EffluentOf(emsNo string) []*EffluentReading {
	return pick(d.Effluent, d.index().effluentOf[emsNo])
}

var effluentSchema = struct{ required, optional []string }{
	[]string{"ems_no", "time", "parameter", "value", "unit"}, []string{"let", "note"},
}

func (w *row) effluent() EffluentReading {
	w.required("ems_no", "parameter")
	r := EffluentReading{Facility: w.str("ems_no"), Outfall: w.str("let"), Time: w.time("time"), Note: w.str("note")}
	r.Parameter = w.param("parameter")
	var censored bool
	r.Value, r.Unit, censored = w.measured(r.Parameter)
	if censored {
		w.fail("value", errors.New(`an online monitor reports a value, not "<detection limit"`))
	}
	return r
}

func effluentRow(r EffluentReading) []string {
	return []string{r.Facility, r.Outfall, r.Time.Format(time.RFC3339Nano), paramID(r.Parameter), ff(r.Value), unitSym(r.Unit), r.Note}
}

var effluentHead = []string{"ems_no", "let", "time", "parameter", "value", "unit", "note"}

// validateEffluent checks references, values and duplicates: one series
// holds one value per instant, so a second one is a conflict to resolve,
// not a reading to average.
func (d *Dataset) validateEffluent(ix *indexes, loc locator, p *problems) {
	type at struct {
		k EffluentKey
		t int64
	}
	seen := map[at]int{}
	for i, r := range d.Effluent {
		bad := func(col, val string, err error) { p.add(loc.fe(FileEffluent, i, col, val, err)) }
		if _, ok := ix.facility[r.Facility]; !ok {
			bad("ems_no", r.Facility, errors.New("no such facility in "+FileFacilities))
		} else if r.Outfall != "" {
			if _, ok := ix.outfall[OutfallKey{r.Facility, r.Outfall}]; !ok {
				bad("let", r.Outfall, fmt.Errorf("facility %s has no such outfall in %s", r.Facility, FileOutfalls))
			}
		}
		if r.Time.IsZero() {
			bad("time", "", errors.New("required"))
		}
		if pr, ok := checkParam(bad, r.Parameter); ok {
			checkMeasured(bad, pr, r.Value, r.Unit)
		}
		k := at{r.Key(), r.Time.UnixNano()}
		if j, dup := seen[k]; dup {
			bad("time", r.Time.Format(time.RFC3339), fmt.Errorf("a second %s value at this time for %s %s (record %d has %s)",
				r.Parameter, r.Facility, r.Outfall, j, fmtF(d.Effluent[j].Value)))
		} else {
			seen[k] = i
		}
	}
}

// WithEffluent returns a copy of d that holds e as its online effluent
// readings, indexed by facility, and shares every other record with d.
// The system of record keeps no effluent series, so a server that loads
// its records from the store carries the data directory's series over;
// without them the permit checks' anomaly screen, and the inspection
// ranking built on it, would lose findings the CLI reports.
func (d *Dataset) WithEffluent(e []EffluentReading) *Dataset {
	next := *d
	ix := *d.index()
	ix.effluentOf = make(map[string][]int, len(ix.effluentOf))
	for i := range e {
		ix.effluentOf[e[i].Facility] = append(ix.effluentOf[e[i].Facility], i)
	}
	next.Effluent, next.idx = e, &ix
	return &next
}
