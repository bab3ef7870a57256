package model

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/param"
)

// WriteDir validates ds and writes it as a data directory at dir. It never
// leaves a partial directory: everything is written and synced into a
// temporary sibling directory, which then replaces dir by rename. If dir
// already exists it must contain only data-directory files (so that a
// wrong path cannot wipe unrelated work); the old directory is renamed
// aside and removed only after the new one is in place, and restored if
// the final rename fails. Between the two renames (microseconds) dir does
// not exist; readers never see a half-written directory.
//
// Every kind's file is written, header-only when empty. The network file
// at ds.NetworkPath, if any, is copied in as network.geojson,
// network.gpkg or network.csv according to its extension.
func WriteDir(dir string, ds *Dataset) error {
	if ds == nil {
		return errors.New("model: WriteDir: nil dataset")
	}
	if err := ds.Index(); err != nil {
		return fmt.Errorf("model: WriteDir: refusing to write an invalid dataset: %w", err)
	}
	netName := ""
	if ds.NetworkPath != "" {
		ext := strings.ToLower(filepath.Ext(ds.NetworkPath))
		for _, n := range NetworkFiles {
			if filepath.Ext(n) == ext {
				netName = n
			}
		}
		if netName == "" {
			return fmt.Errorf("model: WriteDir: network file %s: only %s are supported", ds.NetworkPath, strings.Join(NetworkFiles, ", "))
		}
	}
	dir = filepath.Clean(dir)
	if err := checkReplaceable(dir); err != nil {
		return err
	}
	parent, base := filepath.Split(dir)
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return fmt.Errorf("model: WriteDir: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("model: WriteDir: %w", err)
	}
	for _, f := range fileOrder {
		if err := writeFile(filepath.Join(tmp, f), func(w *csv.Writer) error { return writeKind(w, f, ds) }); err != nil {
			return fmt.Errorf("model: WriteDir: %s: %w", f, err)
		}
	}
	if netName != "" {
		if err := copyFile(ds.NetworkPath, filepath.Join(tmp, netName)); err != nil {
			return fmt.Errorf("model: WriteDir: network: %w", err)
		}
	}
	if err := syncDir(tmp); err != nil {
		return fmt.Errorf("model: WriteDir: %w", err)
	}

	old := ""
	if _, err := os.Lstat(dir); err == nil {
		old = filepath.Join(parent, "."+base+".old-"+strconv.FormatInt(time.Now().UnixNano(), 36))
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("model: WriteDir: move old directory aside: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			if rerr := os.Rename(old, dir); rerr != nil {
				return fmt.Errorf("model: WriteDir: %w (and restoring the old directory from %s failed: %w)", err, old, rerr)
			}
		}
		return fmt.Errorf("model: WriteDir: %w", err)
	}
	done = true
	_ = syncDir(parent)
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("model: WriteDir: written, but the old copy %s could not be removed: %w", old, err)
		}
	}
	return nil
}

// checkReplaceable refuses to replace a directory holding anything but
// data-directory files.
func checkReplaceable(dir string) error {
	st, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("model: WriteDir: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("model: WriteDir: %s exists and is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("model: WriteDir: %w", err)
	}
	known := map[string]bool{}
	for _, f := range append(append(append([]string{}, fileOrder...), NetworkFiles...), OwnedFiles...) {
		known[f] = true
	}
	for _, e := range entries {
		if !known[e.Name()] || e.IsDir() {
			return fmt.Errorf("model: WriteDir: %s holds %s, which is not a data-directory file; refusing to replace it", dir, e.Name())
		}
	}
	return nil
}

func writeFile(path string, fill func(*csv.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := fill(w); err != nil {
		f.Close()
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func ff(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func optF(v *float64) string {
	if v == nil {
		return ""
	}
	return ff(*v)
}

func paramID(s string) string {
	if p, err := param.Lookup(s); err == nil {
		return p.ID
	}
	return s
}

func unitSym(s string) string {
	if u, err := param.LookupUnit(s); err == nil {
		return u.Symbol
	}
	return s
}

func coords(p Point) []string {
	lon, lat := p.LonLat()
	return []string{strconv.FormatFloat(p.X, 'f', 3, 64), strconv.FormatFloat(p.Y, 'f', 3, 64),
		strconv.FormatFloat(lon, 'f', 7, 64), strconv.FormatFloat(lat, 'f', 7, 64)}
}

func value(v float64, censored bool) string {
	if censored {
		return "<" + ff(v)
	}
	return ff(v)
}

func flowCols(f float64, u string) []string {
	if u == "" {
		return []string{"", ""}
	}
	return []string{ff(f), unitSym(u)}
}

// writeKind writes one file: header, then records in slice order. Column
// order is the schema's required then optional columns, except that
// coordinates are written as x, y, lon, lat.
func writeKind(w *csv.Writer, file string, ds *Dataset) error {
	var rows [][]string
	var head []string
	switch file {
	case FileFacilities:
		head = []string{"ems_no", "fac_name", "industry", "x", "y", "lon", "lat", "receiving_water", "note"}
		for _, f := range ds.Facilities {
			xy := []string{"", "", "", ""}
			if f.Location != nil {
				xy = coords(*f.Location)
			} else if f.Geo != nil {
				xy = []string{"", "", strconv.FormatFloat(f.Geo.Lon, 'f', 7, 64), strconv.FormatFloat(f.Geo.Lat, 'f', 7, 64)}
			}
			rows = append(rows, cat([]string{f.EmsNo, f.Name, f.Industry}, xy, []string{f.ReceivingWater, f.Note}))
		}
	case FileOutfalls:
		head = []string{"ems_no", "let", "x", "y", "lon", "lat", "receiving_water", "note"}
		for _, o := range ds.Outfalls {
			rows = append(rows, cat([]string{o.Facility, o.ID}, coords(o.Point), []string{o.ReceivingWater, o.Note}))
		}
	case FilePermits:
		head = []string{"per_no", "ems_no", "per_sdate", "per_edate", "per_water", "per_type", "intake_source", "intake_m3d", "treatment_capacity_m3d", "note"}
		for _, p := range ds.Permits {
			rows = append(rows, []string{p.PerNo, p.Facility, p.ValidFrom.Format(dateLayout), p.ValidTo.Format(dateLayout), ff(p.MaxDailyM3),
				p.Type, p.IntakeSource, optF(p.IntakeM3PerDay), optF(p.TreatmentCapacityM3PerDay), p.Note})
		}
	case FileLimits:
		head = []string{"per_no", "let", "parameter", "value", "unit", "stat_base", "bound", "note"}
		for _, l := range ds.Limits {
			v := ff(l.Value)
			if l.ReportOnly {
				v = ""
			}
			bound := "upper"
			if l.Bound == dmr.Lower {
				bound = "lower"
			}
			rows = append(rows, []string{l.Permit, l.Outfall, paramID(l.Parameter), v, unitSym(l.Unit), string(l.StatBase), bound, l.Note})
		}
	case FileReports:
		head = []string{"ems_no", "per_no", "let", "period_start", "period_end", "parameter", "value", "unit", "stat_base", "no_data", "flow", "flow_unit", "note"}
		for _, r := range ds.Reports {
			v := value(r.Value, r.Censored)
			if r.NoData != "" {
				v = ""
			}
			rows = append(rows, cat([]string{r.Facility, r.Permit, r.Outfall, r.Period.Start.Format(dateLayout), r.Period.End.Format(dateLayout),
				paramID(r.Parameter), v, unitSym(r.Unit), string(r.StatBase), r.NoData}, flowCols(r.Flow, r.FlowUnit), []string{r.Note}))
		}
	case FileEffluent:
		head = effluentHead
		for _, r := range ds.Effluent {
			rows = append(rows, effluentRow(r))
		}
	case FileStations:
		head = []string{"station_id", "name", "kind", "x", "y", "lon", "lat", "river", "water_class", "tidal", "note"}
		// The county column is written when a station has a county, so
		// files without one keep their shape.
		withCounty := slices.ContainsFunc(ds.Stations, func(s Station) bool { return s.County != "" })
		if withCounty {
			head = append(head, "county")
		}
		for _, s := range ds.Stations {
			row := cat([]string{s.ID, s.Name, string(s.Kind)}, coords(s.Point),
				[]string{s.River, string(s.WaterClass), strconv.FormatBool(s.Tidal), s.Note})
			if withCounty {
				row = append(row, s.County)
			}
			rows = append(rows, row)
		}
	case FileReadings:
		head = []string{"station_id", "time", "parameter", "value", "unit", "censored", "flow", "flow_unit", "note"}
		rs := ds.CurrentReadings()
		withSamples := slices.ContainsFunc(rs, func(r Reading) bool { return r.Sample != (Sample{}) })
		if withSamples {
			head = append(head, "sample_id", "method", "lab", "accreditation", "qa_flag")
		}
		for _, r := range rs {
			row := cat([]string{r.Station, r.Time.Format(time.RFC3339Nano), paramID(r.Parameter), ff(r.Value), unitSym(r.Unit),
				strconv.FormatBool(r.Censored)}, flowCols(r.Flow, r.FlowUnit), []string{r.Note})
			if withSamples {
				s := r.Sample
				row = append(row, s.ID, s.Method, s.Lab, s.Accreditation, s.QA)
			}
			rows = append(rows, row)
		}
	default:
		return fmt.Errorf("unknown file %s", file)
	}
	if err := w.Write(head); err != nil {
		return err
	}
	return w.WriteAll(rows)
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
