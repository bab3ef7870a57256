// Package model is envtrace's domain model — facilities, outfalls, permits
// and their limits, discharge monitoring reports, online effluent
// monitoring series, monitoring stations and river readings — and the
// on-disk "data directory" that holds them: plain
// CSV files, one per kind, plus a river network GIS file that this package
// only locates (the network engine reads it). The format is documented
// for users in docs/data-directory.md; ReadDir and WriteDir are its only
// reader and writer.
//
// Geometry is stored in TWD97 / TM2 zone 121 (EPSG:3826) metres. Files
// give x and y in zone 121, or in zone 119 (EPSG:3825: Penghu, Kinmen,
// Matsu) when their crs column says so; lon/lat (WGS84, degrees) columns
// are accepted instead, or as well (they must then agree with x/y within
// 10 m). A facility given by lon/lat alone outside Taiwan keeps them
// (Facility.Geo): the air and odour files may describe other regions.
//
// Every value with a unit is checked with tracing/param on read and on
// write: an unknown parameter or unit, a unit that does not fit the
// parameter (mg/L for pH), or a value outside the parameter's physical
// range (pH 99) is an error naming the file, line and column. Values are
// then converted once, here, to the parameter's canonical unit (readings,
// reports and permit limits; river flows to m³/s, reported discharges to
// m³/day), so no later computation converts or mixes units. Two readings of
// one parameter at one station and instant are rejected, naming both rows.
// Reading times must carry a zone offset: a time without one is ambiguous
// by eight hours between UTC and Taiwan time, and is rejected.
package model

import (
	"fmt"
	"time"

	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/standard"
)

// Facility is a controlled discharger, keyed by its MOENV control number.
type Facility struct {
	EmsNo    string // ems_no, unique
	Name     string // fac_name
	Industry string // industry category (行業別), free text
	// Location is the facility's site, nil when unknown; outfalls carry
	// the positions that matter for tracing.
	Location *Point
	// Geo is the site in lon/lat when it lies outside the area EPSG:3826
	// serves (Location is then nil): such a facility cannot sit on a TM2
	// river network, but air and odour tracing use it.
	Geo            *GeoPoint
	ReceivingWater string // receiving water body (river name or code)
	Note           string
}

// GeoPoint is a WGS84 longitude and latitude in degrees.
type GeoPoint struct{ Lon, Lat float64 }

// Position returns the facility's site in lon/lat from Location or Geo;
// ok is false when neither is known.
func (f Facility) Position() (lon, lat float64, ok bool) {
	switch {
	case f.Location != nil:
		lon, lat = f.Location.LonLat()
		return lon, lat, true
	case f.Geo != nil:
		return f.Geo.Lon, f.Geo.Lat, true
	}
	return 0, 0, false
}

// Outfall is a discharge point of a facility (MOENV "let"). Its id is
// unique within the facility only ("D01" recurs across facilities).
type Outfall struct {
	Facility       string // ems_no
	ID             string // let
	Point          Point
	ReceivingWater string // let_watertype
	Note           string
}

// OutfallKey identifies an outfall across the dataset.
type OutfallKey struct{ Facility, ID string }

// Permit is a water-pollution discharge permit (排放許可證).
type Permit struct {
	PerNo     string    // per_no, unique
	Facility  string    // ems_no
	ValidFrom time.Time // per_sdate (a date, stored at 00:00 UTC)
	ValidTo   time.Time // per_edate, inclusive
	Type      string    // per_type, free text
	// MaxDailyM3 is per_water: the permitted maximum daily discharge,
	// m³/day. Load rationality checks compare reported flows with it.
	MaxDailyM3 float64
	// IntakeSource is the water source (tap water, groundwater, river ...).
	IntakeSource string
	// IntakeM3PerDay is the permitted intake; nil when not recorded.
	IntakeM3PerDay *float64
	// TreatmentCapacityM3PerDay is the wastewater plant's design
	// capacity; nil when not recorded.
	TreatmentCapacityM3PerDay *float64
	Note                      string
}

// Valid reports whether the permit is in force on day d (inclusive of
// both validity dates).
func (p Permit) Valid(d time.Time) bool {
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	return !day.Before(p.ValidFrom) && !day.After(p.ValidTo)
}

// PermitLimit is one numeric condition of a permit, optionally for one
// outfall.
type PermitLimit struct {
	Permit  string // per_no
	Outfall string // let; empty when the limit applies to every outfall
	dmr.Limit
	Note string
}

// Report is one value of a discharge monitoring report (定期申報).
type Report struct {
	Facility string // ems_no
	Permit   string // per_no; may be empty
	Outfall  string // let; may be empty
	dmr.Report
	// Flow is the discharge reported for the period, in FlowUnit (usually
	// m³/day); FlowUnit == "" means no flow was reported.
	Flow     float64
	FlowUnit string
	Note     string
}

// Sample is the laboratory record of a reading: what makes a river sample
// fit to be evidence rather than screening data. Every field is optional.
type Sample struct {
	// ID is the sample's identifier in the lab's chain of custody.
	ID string
	// Method is the analytical method, an NIEA code such as
	// "NIEA W515.55A" for Taiwan's official methods.
	Method string
	// Lab names the laboratory that analysed the sample, Accreditation
	// its certificate (環境部認可 or TAF number).
	Lab           string
	Accreditation string
	// QA is the laboratory's quality flag: "valid", "qualified" or
	// "invalid"; "" when not given.
	QA string
}

// QA flag values of a Sample.
const (
	QAValid     = "valid"
	QAQualified = "qualified"
	QAInvalid   = "invalid"
)

// CheckQA accepts the QA flags of a Sample: QAValid, QAQualified,
// QAInvalid and "" (not given). Every entry point checks a flag with it.
func CheckQA(qa string) error {
	switch qa {
	case "", QAValid, QAQualified, QAInvalid:
		return nil
	}
	return fmt.Errorf("must be %s, %s or %s (or empty)", QAValid, QAQualified, QAInvalid)
}

// StationKind distinguishes periodic grab-sample stations from automatic
// continuous monitors, whose readings differ in frequency and reliability.
type StationKind string

// The station kinds.
const (
	Fixed      StationKind = "fixed"      // 定點: periodic manual sampling
	Continuous StationKind = "continuous" // 連續自動監測
)

// Station is a river water-quality monitoring station.
type Station struct {
	ID    string
	Name  string
	Kind  StationKind
	Point Point
	River string // river name or WRA river code
	// WaterClass is the surface-water class (甲–戊) of the water body the
	// station samples, "" when not classified: its readings are also
	// tested against that class's standard (tracing/standard).
	WaterClass standard.Class
	// Tidal marks a station on a tidal reach, where the flow reverses and
	// upstream tracing by travel time does not hold; traces from it say so.
	Tidal bool
	Note  string
	// County is the county code (access.CountyCode) of the station: the
	// file's county column when it has one, else the county of the
	// jurisdiction it lies in (dumping.Router.LocateStations), "" when
	// neither says. It decides which bureau's data the station is.
	County string
}

// Reading is one measured value at a station. Once a dataset is indexed
// (ReadDir, Index) or a reading passes Canonical, Value is in the
// parameter's canonical unit and Flow in m³/s.
type Reading struct {
	Station   string
	Time      time.Time // with its zone offset
	Parameter string    // tracing/param id
	Value     float64   // the detection limit when Censored
	Unit      string    // unit symbol: the parameter's canonical unit once canonical
	Censored  bool      // "<Value"
	// Flow is the river flow measured with the sample, in FlowUnit;
	// FlowUnit == "" means none was measured.
	Flow     float64
	FlowUnit string
	Note     string
	// Sample says how the value was obtained, where the data says: the
	// chain of custody an enforcement case needs. Zero for sensors and
	// for sources that do not carry it.
	Sample Sample
}

// Dataset is everything in one data directory, in memory. Slices keep file
// order; the lookup methods use indexes built by Index (ReadDir and
// WriteDir call it). A Dataset built in code builds its indexes lazily on
// the first lookup, which is not safe for concurrent use: call Index
// before sharing it between goroutines, and again after changing it.
type Dataset struct {
	// NetworkPath is the path of the river network file found in the
	// directory (network.geojson, network.gpkg or network.csv), "" if none.
	NetworkPath string

	Facilities []Facility
	Outfalls   []Outfall
	Permits    []Permit
	Limits     []PermitLimit
	Reports    []Report
	Effluent   []EffluentReading
	Stations   []Station
	// readings are the river readings in file order, unexported so that
	// nothing outside the package reads a value a correction replaced: a
	// Dataset made by WithCorrections shares them with the one it was
	// made from and keeps the corrected values apart (fixed). Read them
	// through Reading, ReadingsAt or CurrentReadings, which see the
	// corrections, and count them with NumReadings.
	readings []Reading

	idx *indexes
	// fixed holds, for each chunk of correctionChunk readings that
	// WithCorrections changed, a copy of that chunk with the corrected
	// values (nil for a chunk without corrections). A chunk copy covers
	// the readings held when it was made; readings appended later
	// (WithReadings) are read from readings.
	fixed [][]Reading
}

// correctionChunk is how many readings WithCorrections copies around a
// corrected one: small enough that a batch costs little more than itself,
// large enough that the table of chunks (one slice header per chunk) stays
// a small fraction of the readings.
const correctionChunk = 256

// NumReadings returns how many river readings d holds, corrected or not:
// the bound of Reading's index, which corrections never change.
func (d *Dataset) NumReadings() int { return len(d.readings) }

// Reading returns reading i (0 <= i < NumReadings()) with the
// corrections WithCorrections applied. It must not be modified.
func (d *Dataset) Reading(i int) *Reading {
	if c := i / correctionChunk; c < len(d.fixed) {
		if chunk := d.fixed[c]; i-c*correctionChunk < len(chunk) {
			return &chunk[i-c*correctionChunk]
		}
	}
	return &d.readings[i]
}

// CurrentReadings returns every reading in file order with the
// corrections applied: the held slice itself when there are none, else a
// new slice (time in proportion to all readings, for the readers that
// visit every reading anyway). It must not be modified.
func (d *Dataset) CurrentReadings() []Reading {
	if d.fixed == nil {
		return d.readings
	}
	out := make([]Reading, len(d.readings))
	for i := range out {
		out[i] = *d.Reading(i)
	}
	return out
}

// SetReadings makes rs (held, not copied) d's readings in file order, for
// a Dataset built in code (a reader, a fixture, a test): it drops any
// corrections d held and its lookup indexes, so no later read sees a
// value from before. Call Index afterwards, as after any change, before
// sharing d; the caller must not modify rs after.
func (d *Dataset) SetReadings(rs []Reading) {
	d.readings, d.fixed, d.idx = rs, nil, nil
}

// AppendReadings appends rs to d's readings, for a Dataset built in code
// one reading at a time (a fixture generator): the corrections d held are
// folded in first and its lookup indexes dropped, as SetReadings does.
// Like any change, it is for a Dataset no other holds: d's slice may have
// spare capacity a Dataset made from it by WithReadings reads.
func (d *Dataset) AppendReadings(rs ...Reading) {
	d.SetReadings(append(d.CurrentReadings(), rs...))
}

type indexes struct {
	facility   map[string]int
	outfall    map[OutfallKey]int
	outfallsOf map[string][]int
	permit     map[string]int
	permitsOf  map[string][]int
	limitsOf   map[string][]int
	reportsOf  map[string][]int
	station    map[string]int
	readingsAt map[string][]int
	effluentOf map[string][]int
}

// Facility returns the facility with the given control number.
func (d *Dataset) Facility(emsNo string) (*Facility, bool) {
	i, ok := d.index().facility[emsNo]
	if !ok {
		return nil, false
	}
	return &d.Facilities[i], true
}

// Outfall returns one outfall of a facility.
func (d *Dataset) Outfall(emsNo, let string) (*Outfall, bool) {
	i, ok := d.index().outfall[OutfallKey{emsNo, let}]
	if !ok {
		return nil, false
	}
	return &d.Outfalls[i], true
}

// OutfallsOf returns a facility's outfalls in file order.
func (d *Dataset) OutfallsOf(emsNo string) []*Outfall {
	return pick(d.Outfalls, d.index().outfallsOf[emsNo])
}

// Permit returns the permit with the given number.
func (d *Dataset) Permit(perNo string) (*Permit, bool) {
	i, ok := d.index().permit[perNo]
	if !ok {
		return nil, false
	}
	return &d.Permits[i], true
}

// PermitsOf returns a facility's permits in file order.
func (d *Dataset) PermitsOf(emsNo string) []*Permit {
	return pick(d.Permits, d.index().permitsOf[emsNo])
}

// LimitsOf returns a permit's limits in file order.
func (d *Dataset) LimitsOf(perNo string) []*PermitLimit {
	return pick(d.Limits, d.index().limitsOf[perNo])
}

// ReportsOf returns a facility's monitoring reports in file order.
func (d *Dataset) ReportsOf(emsNo string) []*Report {
	return pick(d.Reports, d.index().reportsOf[emsNo])
}

// Station returns the station with the given id.
func (d *Dataset) Station(id string) (*Station, bool) {
	i, ok := d.index().station[id]
	if !ok {
		return nil, false
	}
	return &d.Stations[i], true
}

// ReadingsAt returns a station's readings in file order.
func (d *Dataset) ReadingsAt(stationID string) []*Reading {
	idx := d.index().readingsAt[stationID]
	if d.fixed == nil {
		return pick(d.readings, idx)
	}
	out := make([]*Reading, len(idx))
	for k, i := range idx {
		out[k] = d.Reading(i)
	}
	return out
}

// ReadingIndexesAt returns the indexes (for Reading) of a station's
// readings, in file order: what a caller that keeps indexes (a server's
// latest reading of each parameter) recomputes one station from. It must
// not be modified.
func (d *Dataset) ReadingIndexesAt(stationID string) []int {
	return d.index().readingsAt[stationID]
}

func pick[T any](s []T, idx []int) []*T {
	out := make([]*T, len(idx))
	for k, i := range idx {
		out[k] = &s[i]
	}
	return out
}

func (d *Dataset) index() *indexes {
	if d.idx == nil {
		// Lookups on a Dataset built in code without Index: build what
		// can be built; duplicates resolve to the first record.
		d.idx = buildIndexes(d)
	}
	return d.idx
}

func buildIndexes(d *Dataset) *indexes {
	ix := &indexes{
		facility: map[string]int{}, outfall: map[OutfallKey]int{}, outfallsOf: map[string][]int{},
		permit: map[string]int{}, permitsOf: map[string][]int{}, limitsOf: map[string][]int{},
		reportsOf: map[string][]int{}, station: map[string]int{}, readingsAt: map[string][]int{},
		effluentOf: map[string][]int{},
	}
	for i, f := range d.Facilities {
		if _, dup := ix.facility[f.EmsNo]; !dup {
			ix.facility[f.EmsNo] = i
		}
	}
	for i, o := range d.Outfalls {
		k := OutfallKey{o.Facility, o.ID}
		if _, dup := ix.outfall[k]; !dup {
			ix.outfall[k] = i
		}
		ix.outfallsOf[o.Facility] = append(ix.outfallsOf[o.Facility], i)
	}
	for i, p := range d.Permits {
		if _, dup := ix.permit[p.PerNo]; !dup {
			ix.permit[p.PerNo] = i
		}
		ix.permitsOf[p.Facility] = append(ix.permitsOf[p.Facility], i)
	}
	for i, l := range d.Limits {
		ix.limitsOf[l.Permit] = append(ix.limitsOf[l.Permit], i)
	}
	for i, r := range d.Reports {
		ix.reportsOf[r.Facility] = append(ix.reportsOf[r.Facility], i)
	}
	for i, s := range d.Stations {
		if _, dup := ix.station[s.ID]; !dup {
			ix.station[s.ID] = i
		}
	}
	for i, r := range d.readings {
		ix.readingsAt[r.Station] = append(ix.readingsAt[r.Station], i)
	}
	for i, r := range d.Effluent {
		ix.effluentOf[r.Facility] = append(ix.effluentOf[r.Facility], i)
	}
	return ix
}

// indexRecords indexes d's facilities, outfalls, permits, limits, reports
// and stations, leaving readings and effluent to the caller.
func indexRecords(d *Dataset) *indexes {
	only := *d
	only.readings, only.Effluent = nil, nil
	return buildIndexes(&only)
}
