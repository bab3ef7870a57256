package sensor

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/param"
)

// The columns of the two files (required first, then optional).
var (
	sensorCols  = [2][]string{{"device_id"}, {"lon", "lat", "x", "y", "kind"}}
	readingCols = [2][]string{{"device_id", "time", "parameter", "value", "unit"}, nil}
)

// maxProblems bounds the errors one read reports.
const maxProblems = 50

// ReadDir reads dir's sensors.csv and sensor_readings.csv; a missing file
// means no records of that kind. Every reading's device must be in
// sensors.csv. All problems found (up to 50) are returned together as
// *model.FieldError values naming file, line and column.
func ReadDir(dir string) (*Data, error) {
	d := &Data{}
	var errs problems
	if err := readFile(filepath.Join(dir, model.FileSensors), sensorCols, &errs, func(r *record) {
		if s, ok := r.sensor(); ok {
			d.Sensors = append(d.Sensors, s)
		}
	}); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, s := range d.Sensors {
		if known[s.ID] {
			errs.add(&model.FieldError{File: model.FileSensors, Column: "device_id", Value: s.ID, Err: errors.New("duplicate device")})
		}
		known[s.ID] = true
	}
	if err := readFile(filepath.Join(dir, model.FileSensorReadings), readingCols, &errs, func(r *record) {
		rd, ok := r.reading()
		if !ok {
			return
		}
		if !known[rd.Device] {
			r.fail("device_id", errors.New("unknown device: add it to sensors.csv"))
			return
		}
		d.Readings = append(d.Readings, rd)
	}); err != nil {
		return nil, err
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	sortData(d)
	if err := checkDuplicates(d.Readings); err != nil {
		return nil, err
	}
	return d, nil
}

// checkDuplicates rejects two readings of one device, instant and
// parameter: the files would disagree about which one is true.
func checkDuplicates(rs []Reading) error {
	for i := 1; i < len(rs); i++ {
		if keyOf(rs[i]) == keyOf(rs[i-1]) {
			return &model.FieldError{File: model.FileSensorReadings, Column: "time", Value: rs[i].Device + " " + rs[i].Time.Format(time.RFC3339),
				Err: errors.New("two readings of one device, time and parameter")}
		}
	}
	return nil
}

// problems collects FieldErrors up to maxProblems.
type problems struct {
	errs    []error
	dropped int
}

func (p *problems) add(e error) {
	if len(p.errs) >= maxProblems {
		p.dropped++
		return
	}
	p.errs = append(p.errs, e)
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	if p.dropped > 0 {
		return errors.Join(append(p.errs, fmt.Errorf("sensor: %d more problems not shown", p.dropped))...)
	}
	return errors.Join(p.errs...)
}

// record is one CSV row being parsed.
type record struct {
	file string
	col  map[string]int
	rec  []string
	line int
	errs *problems
	bad  bool
}

func (r *record) raw(c string) string {
	if i, ok := r.col[c]; ok {
		return strings.TrimSpace(r.rec[i])
	}
	return ""
}

func (r *record) fail(c string, err error) {
	r.bad = true
	r.errs.add(&model.FieldError{File: r.file, Line: r.line, Column: c, Value: r.raw(c), Err: err})
}

// readFile streams one CSV file through row; a missing file is no error.
func readFile(path string, cols [2][]string, errs *problems, row func(*record)) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	defer f.Close()
	name := filepath.Base(path)
	cr := csv.NewReader(f)
	head, err := cr.Read()
	if err != nil {
		errs.add(&model.FieldError{File: name, Line: 1, Err: fmt.Errorf("a header line is required: %w", err)})
		return nil
	}
	col, ok := header(name, head, cols, errs)
	if !ok {
		return nil
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			errs.add(&model.FieldError{File: name, Line: line, Err: err})
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(err, csv.ErrFieldCount) {
				continue
			}
			return nil
		}
		row(&record{file: name, col: col, rec: rec, line: line, errs: errs})
	}
}

// header maps column names, rejecting unknown, duplicate and missing ones.
func header(name string, head []string, cols [2][]string, errs *problems) (map[string]int, bool) {
	allowed := map[string]bool{}
	for _, c := range append(append([]string{}, cols[0]...), cols[1]...) {
		allowed[c] = true
	}
	col := map[string]int{}
	ok := true
	for i, h := range head {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if _, dup := col[h]; dup || !allowed[h] {
			errs.add(&model.FieldError{File: name, Line: 1, Column: h, Err: errors.New("unknown or duplicate column")})
			ok = false
		}
		col[h] = i
	}
	for _, c := range cols[0] {
		if _, has := col[c]; !has {
			errs.add(&model.FieldError{File: name, Line: 1, Column: c, Err: errors.New("required column missing")})
			ok = false
		}
	}
	return col, ok
}

func (r *record) sensor() (Sensor, bool) {
	s := Sensor{ID: r.raw("device_id"), Kind: strings.ToLower(r.raw("kind"))}
	if s.ID == "" {
		r.fail("device_id", errors.New("required"))
	}
	switch s.Kind {
	case "":
		s.Kind = KindAirBox
	case KindAirBox, KindLowCost, KindReference:
	default:
		r.fail("kind", fmt.Errorf("must be %s, %s or %s", KindAirBox, KindLowCost, KindReference))
	}
	p, c, err := model.ParsePoint(r.raw("x"), r.raw("y"), r.raw("lon"), r.raw("lat"))
	switch {
	case err != nil:
		r.fail(c, err)
	case p == nil:
		r.fail("lon", errors.New("a location is required: give lon,lat (WGS84) or x,y (EPSG:3826)"))
	default:
		s.Point = *p
		s.Lon, s.Lat = p.LonLat()
		if r.raw("lon") != "" {
			s.Lon, _ = strconv.ParseFloat(r.raw("lon"), 64)
			s.Lat, _ = strconv.ParseFloat(r.raw("lat"), 64)
		}
	}
	return s, !r.bad
}

func (r *record) reading() (Reading, bool) {
	rd := Reading{Device: r.raw("device_id")}
	if rd.Device == "" {
		r.fail("device_id", errors.New("required"))
	}
	t, err := time.Parse(time.RFC3339Nano, r.raw("time"))
	if err != nil {
		r.fail("time", errors.New("not an RFC 3339 time with a zone offset, such as 2022-10-15T00:00:05+08:00"))
	}
	rd.Time = t
	p, err := param.Lookup(r.raw("parameter"))
	if err != nil {
		r.fail("parameter", err)
		return rd, false
	}
	rd.Parameter = p.ID
	v, err := strconv.ParseFloat(r.raw("value"), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail("value", errors.New("not a finite number"))
		return rd, false
	}
	if rd.Value, err = p.Canonical(v, r.raw("unit")); err != nil {
		r.fail("unit", err)
	}
	rd.Unit = p.Unit
	return rd, !r.bad
}

// WriteDir writes d as dir's sensors.csv and sensor_readings.csv (creating
// dir when missing). Each file is written to a temporary sibling, synced
// and renamed over the old one, so a reader never sees half a file.
func WriteDir(dir string, d *Data) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	err := writeAtomic(filepath.Join(dir, model.FileSensors), func(w *csv.Writer) error {
		if err := w.Write([]string{"device_id", "lon", "lat", "kind"}); err != nil {
			return err
		}
		for _, s := range d.Sensors {
			if err := w.Write([]string{s.ID, ftoa(s.Lon), ftoa(s.Lat), s.Kind}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, model.FileSensorReadings), func(w *csv.Writer) error {
		if err := w.Write(readingCols[0]); err != nil {
			return err
		}
		for _, r := range d.Readings {
			if err := w.Write([]string{r.Device, r.Time.Format(time.RFC3339Nano), r.Parameter, ftoa(r.Value), r.Unit}); err != nil {
				return err
			}
		}
		return nil
	})
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func writeAtomic(path string, fill func(*csv.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := csv.NewWriter(tmp)
	if err := fill(w); err != nil {
		tmp.Close()
		return fmt.Errorf("sensor: write %s: %w", path, err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tmp.Close()
		return fmt.Errorf("sensor: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sensor: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("sensor: %w", err)
	}
	return nil
}
