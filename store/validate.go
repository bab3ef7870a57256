package store

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// known holds the records a dataset refers to but does not contain, found
// in the store: an import may add readings for stations imported earlier.
type known struct {
	facilities map[string]bool
	permits    map[string]string // per_no → ems_no
	outfalls   map[model.OutfallKey]bool
	stations   map[string]bool
}

// refs lists what ds refers to without containing it; the store looks
// those up and reports them in a known.
type refs struct {
	facilities []string
	permits    []string
	stations   []string
}

func externalRefs(ds *model.Dataset) refs {
	var r refs
	fac := set(ds.Facilities, func(f model.Facility) string { return f.EmsNo })
	per := set(ds.Permits, func(p model.Permit) string { return p.PerNo })
	st := set(ds.Stations, func(s model.Station) string { return s.ID })
	seen := map[string]bool{}
	addF := func(k string) {
		if k != "" && !fac[k] && !seen["f"+k] {
			seen["f"+k] = true
			r.facilities = append(r.facilities, k)
		}
	}
	for _, o := range ds.Outfalls {
		addF(o.Facility)
	}
	for _, p := range ds.Permits {
		addF(p.Facility)
	}
	for _, x := range ds.Reports {
		addF(x.Facility)
	}
	addP := func(k string) {
		if k != "" && !per[k] && !seen["p"+k] {
			seen["p"+k] = true
			r.permits = append(r.permits, k)
		}
	}
	for _, l := range ds.Limits {
		addP(l.Permit)
	}
	for _, x := range ds.Reports {
		addP(x.Permit)
	}
	for _, x := range ds.CurrentReadings() {
		if x.Station != "" && !st[x.Station] && !seen["s"+x.Station] {
			seen["s"+x.Station] = true
			r.stations = append(r.stations, x.Station)
		}
	}
	return r
}

// outfallRefs lists outfalls referred to but not contained, once the
// facilities of stored permits are known.
func outfallRefs(ds *model.Dataset, k *known) []model.OutfallKey {
	have := map[model.OutfallKey]bool{}
	for _, o := range ds.Outfalls {
		have[model.OutfallKey{Facility: o.Facility, ID: o.ID}] = true
	}
	permitFac := map[string]string{}
	for _, p := range ds.Permits {
		permitFac[p.PerNo] = p.Facility
	}
	for p, f := range k.permits {
		if _, ok := permitFac[p]; !ok {
			permitFac[p] = f
		}
	}
	var out []model.OutfallKey
	add := func(key model.OutfallKey) {
		if key.ID != "" && key.Facility != "" && !have[key] {
			have[key] = true
			out = append(out, key)
		}
	}
	for _, l := range ds.Limits {
		add(model.OutfallKey{Facility: permitFac[l.Permit], ID: l.Outfall})
	}
	for _, x := range ds.Reports {
		add(model.OutfallKey{Facility: x.Facility, ID: x.Outfall})
	}
	return out
}

func set[T any](s []T, key func(T) string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[key(x)] = true
	}
	return m
}

// stubPoint is a valid TWD97 TM2 position for stand-in records; stand-ins
// are never written, they only satisfy the model's reference checks.
var stubPoint = model.Point{X: 250000, Y: 2650000}

// validateDataset checks ds with the data directory's own rules
// (model.Dataset.Index: values, units, coordinates, duplicate ids,
// references), treating records the store already holds (k) as present,
// plus what the database adds: a unique key per limit, report and reading,
// and times PostgreSQL can store exactly. Errors are *model.FieldError
// naming the file, the record (its index in ds) and the reason.
func validateDataset(ds *model.Dataset, k *known) error {
	// Index converts values in place, so it validates copies: the
	// caller's dataset is left as it was.
	v := &model.Dataset{
		Facilities: slices.Clip(ds.Facilities),
		Outfalls:   slices.Clip(ds.Outfalls),
		Permits:    slices.Clip(ds.Permits),
		Limits:     slices.Clone(ds.Limits),
		Reports:    slices.Clone(ds.Reports),
		Stations:   slices.Clip(ds.Stations),
	}
	v.SetReadings(slices.Clone(ds.CurrentReadings()))
	if k != nil {
		inDS := set(ds.Facilities, func(f model.Facility) string { return f.EmsNo })
		stubF := func(id string) {
			if !inDS[id] {
				inDS[id] = true
				v.Facilities = append(v.Facilities, model.Facility{EmsNo: id, Name: "(stored)"})
			}
		}
		for id := range k.facilities {
			stubF(id)
		}
		for p, f := range k.permits {
			stubF(f)
			v.Permits = append(v.Permits, model.Permit{PerNo: p, Facility: f, ValidFrom: time.Unix(0, 0).UTC(), ValidTo: time.Unix(0, 0).UTC(), MaxDailyM3: 1})
		}
		for o := range k.outfalls {
			stubF(o.Facility)
			v.Outfalls = append(v.Outfalls, model.Outfall{Facility: o.Facility, ID: o.ID, Point: stubPoint})
		}
		for s := range k.stations {
			v.Stations = append(v.Stations, model.Station{ID: s, Name: "(stored)", Kind: model.Fixed, Point: stubPoint})
		}
	}
	var errs []error
	if err := v.Index(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, keyErrors(ds)...)
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}

// keyErrors finds limits and reports that share a database key (which an
// upsert could not tell apart) and reading times finer than a microsecond.
func keyErrors(ds *model.Dataset) []error {
	var errs []error
	dup := func(file string, i, j int, what string) {
		if len(errs) < 50 {
			errs = append(errs, &model.FieldError{File: file, Record: i, Err: fmt.Errorf("same %s as record %d: the store keeps one", what, j)})
		}
	}
	type limitKey struct{ per, let, param, base, bound string }
	lk := map[limitKey]int{}
	for i, l := range ds.Limits {
		key := limitKey{l.Permit, l.Outfall, canonParam(l.Parameter), string(l.StatBase), l.Bound.String()}
		if j, ok := lk[key]; ok {
			dup(model.FileLimits, i, j, "permit, outfall, parameter, statistical base and bound")
			continue
		}
		lk[key] = i
	}
	type reportKey struct {
		ems, per, let, param, base string
		start, end                 time.Time
	}
	rk := map[reportKey]int{}
	for i, r := range ds.Reports {
		key := reportKey{r.Facility, r.Permit, r.Outfall, canonParam(r.Parameter), string(r.StatBase), r.Period.Start.UTC(), r.Period.End.UTC()}
		if j, ok := rk[key]; ok {
			dup(model.FileReports, i, j, "facility, permit, outfall, period, parameter and statistical base")
			continue
		}
		rk[key] = i
	}
	// Two readings of one key are refused by model.Dataset.Index itself,
	// naming both.
	for i, r := range ds.CurrentReadings() {
		if err := checkTime(r.Time); err != nil && len(errs) < 50 {
			errs = append(errs, &model.FieldError{File: model.FileReadings, Record: i, Column: "time", Value: r.Time.Format(time.RFC3339Nano), Err: err})
		}
	}
	return errs
}

// checkTime rejects times timestamptz would change: finer than a
// microsecond, or outside years 1–9999.
func checkTime(t time.Time) error {
	if t.Nanosecond()%1000 != 0 {
		return errors.New("time has sub-microsecond digits, which the database would round away")
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("year %d is outside 1–9999", y)
	}
	return nil
}

// canonParam returns a parameter's canonical id so that aliases ("NH3N",
// "氨氮") key the same row; an unknown name is returned as is (validation
// reports it).
func canonParam(s string) string {
	if p, err := param.Lookup(s); err == nil {
		return p.ID
	}
	return s
}

// canonUnit returns a unit's canonical symbol; "" stays "".
func canonUnit(s string) string {
	if s == "" {
		return ""
	}
	if u, err := param.LookupUnit(s); err == nil {
		return u.Symbol
	}
	return s
}

// validateReadings checks readings for IngestReadings and returns them
// canonical (model.Reading.Canonical: parameter known, unit fitting it,
// value and flow finite and physically plausible), with times the database
// stores exactly. Whether the stations exist is checked against the store
// in the caller's transaction, and repeats are left to model.SortNew.
// Errors are *model.FieldError naming the reading's index.
func validateReadings(readings []model.Reading) ([]model.Reading, error) {
	var errs []error
	bad := func(i int, col, val string, err error) {
		if len(errs) < 50 {
			errs = append(errs, &model.FieldError{File: model.FileReadings, Record: i, Column: col, Value: val, Err: err})
		}
	}
	out := make([]model.Reading, len(readings))
	for i, r := range readings {
		if r.Station == "" {
			bad(i, "station_id", "", errors.New("required"))
		}
		if r.Time.IsZero() {
			bad(i, "time", "", errors.New("required"))
		} else if err := checkTime(r.Time); err != nil {
			bad(i, "time", r.Time.Format(time.RFC3339Nano), err)
		}
		if err := model.CheckQA(r.Sample.QA); err != nil {
			bad(i, "qa_flag", r.Sample.QA, err)
		}
		c, err := r.Canonical()
		var fe *model.FieldError
		if errors.As(err, &fe) {
			if len(errs) < 50 {
				fe.Record = i
				errs = append(errs, fe)
			}
			continue
		}
		out[i] = c
	}
	return out, errors.Join(errs...)
}
