package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/tracing/dmr"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/standard"
)

// col is one column of a dataset table; Type is its staging type, and
// "point" means a geometry(Point, 3826) staged as EWKB bytea.
type col struct{ Name, Type string }

// kind describes how one file of a data directory maps onto its table.
type kind struct {
	file  string
	table string
	key   []string // the conflict target
	cols  []col
	n     int
	row   func(i int) ([]any, error)
	// bump is the assignment that numbers a changed row's new version
	// ("rev = nextval('dataset_rev')"), so that replicas follow it.
	bump string
	// before and after, when set, run in the kind's transaction before
	// its rows are staged and after they were written (readings take the
	// writers' lock and their partitions, then notify followers).
	before, after func(ctx context.Context, tx pgx.Tx) error
}

// recordRev numbers each version of a facility, outfall, permit, limit,
// report or station (migration 0018), which NewRecordsFollower follows.
const recordRev = "rev = nextval('dataset_rev')"

// correctedRev numbers a reading whose value an import changed (migration
// 0018), which the readings follower applies as a correction.
const correctedRev = "corrected_rev = nextval('readings_corrected_rev')"

func (k *kind) names() []string {
	out := make([]string, len(k.cols))
	for i, c := range k.cols {
		out[i] = c.Name
	}
	return out
}

func (k *kind) tempDDL() string {
	defs := []string{"pos integer not null"}
	for _, c := range k.cols {
		t := c.Type
		if t == "point" {
			t = "bytea"
		}
		defs = append(defs, c.Name+" "+t)
	}
	return "create temp table tmp_" + k.table + " (" + strings.Join(defs, ", ") + ") on commit drop"
}

// upsertSQL inserts staged rows in file order and updates stored rows whose
// values differ; identical rows are not rewritten.
func (k *kind) upsertSQL() string {
	isKey := map[string]bool{}
	for _, c := range k.key {
		isKey[c] = true
	}
	var ins, sel, set, old, nw []string
	for _, c := range k.cols {
		ins = append(ins, c.Name)
		if c.Type == "point" {
			sel = append(sel, "st_geomfromewkb(t."+c.Name+")")
		} else {
			sel = append(sel, "t."+c.Name)
		}
		if isKey[c.Name] {
			continue
		}
		set = append(set, c.Name+" = excluded."+c.Name)
		if c.Type == "point" {
			old = append(old, "st_asewkb("+k.table+"."+c.Name+")")
			nw = append(nw, "st_asewkb(excluded."+c.Name+")")
		} else {
			old = append(old, k.table+"."+c.Name)
			nw = append(nw, "excluded."+c.Name)
		}
	}
	if k.bump != "" {
		set = append(set, k.bump)
	}
	return "insert into " + k.table + " (" + strings.Join(ins, ", ") + ")\n" +
		"select " + strings.Join(sel, ", ") + " from tmp_" + k.table + " t order by t.pos\n" +
		"on conflict (" + strings.Join(k.key, ", ") + ") do update set " + strings.Join(set, ", ") + "\n" +
		"where (" + strings.Join(old, ", ") + ") is distinct from (" + strings.Join(nw, ", ") + ")"
}

func pointEWKB(p model.Point) ([]byte, error) {
	return postgis.EWKB(orb.Point{p.X, p.Y}, 3826)
}

func date(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// kinds maps a dataset onto its tables, in the order they are written
// (referenced kinds first, as in the data directory).
func kinds(ds *model.Dataset) []*kind {
	text := func(n string) col { return col{n, "text"} }
	float := func(n string) col { return col{n, "double precision"} }
	return []*kind{
		{file: model.FileFacilities, table: "facilities", key: []string{"ems_no"}, bump: recordRev,
			cols: []col{text("ems_no"), text("name"), text("industry"), {"location", "point"}, text("receiving_water"), text("note")},
			n:    len(ds.Facilities), row: func(i int) ([]any, error) {
				f := &ds.Facilities[i]
				var loc any
				if f.Location != nil {
					b, err := pointEWKB(*f.Location)
					if err != nil {
						return nil, err
					}
					loc = b
				}
				return []any{f.EmsNo, f.Name, f.Industry, loc, f.ReceivingWater, f.Note}, nil
			}},
		{file: model.FileOutfalls, table: "outfalls", key: []string{"ems_no", "let"}, bump: recordRev,
			cols: []col{text("ems_no"), text("let"), {"location", "point"}, text("receiving_water"), text("note")},
			n:    len(ds.Outfalls), row: func(i int) ([]any, error) {
				o := &ds.Outfalls[i]
				b, err := pointEWKB(o.Point)
				return []any{o.Facility, o.ID, b, o.ReceivingWater, o.Note}, err
			}},
		{file: model.FilePermits, table: "permits", key: []string{"per_no"}, bump: recordRev,
			cols: []col{text("per_no"), text("ems_no"), {"valid_from", "date"}, {"valid_to", "date"}, text("per_type"), float("max_daily_m3"),
				text("intake_source"), float("intake_m3d"), float("treatment_capacity_m3d"), text("note")},
			n: len(ds.Permits), row: func(i int) ([]any, error) {
				p := &ds.Permits[i]
				return []any{p.PerNo, p.Facility, date(p.ValidFrom), date(p.ValidTo), p.Type, p.MaxDailyM3,
					p.IntakeSource, p.IntakeM3PerDay, p.TreatmentCapacityM3PerDay, p.Note}, nil
			}},
		{file: model.FileLimits, table: "permit_limits", key: []string{"per_no", "let", "parameter", "stat_base", "bound"}, bump: recordRev,
			cols: []col{text("per_no"), text("let"), text("parameter"), float("value"), text("unit"), text("stat_base"), text("bound"),
				{"report_only", "boolean"}, text("note")},
			n: len(ds.Limits), row: func(i int) ([]any, error) {
				l, err := ds.Limits[i].Canonical()
				return []any{l.Permit, l.Outfall, l.Parameter, l.Value, l.Unit, string(l.StatBase), l.Bound.String(),
					l.ReportOnly, l.Note}, err
			}},
		{file: model.FileReports, table: "reports", key: []string{"ems_no", "per_no", "let", "period_start", "period_end", "parameter", "stat_base"}, bump: recordRev,
			cols: []col{text("ems_no"), text("per_no"), text("let"), {"period_start", "date"}, {"period_end", "date"}, text("parameter"),
				float("value"), text("unit"), text("stat_base"), {"censored", "boolean"}, text("no_data"), float("flow"), text("flow_unit"), text("note")},
			n: len(ds.Reports), row: func(i int) ([]any, error) {
				r, err := ds.Reports[i].Canonical()
				return []any{r.Facility, r.Permit, r.Outfall, date(r.Period.Start), date(r.Period.End), r.Parameter,
					r.Value, canonUnit(r.Unit), string(r.StatBase), r.Censored, r.NoData, r.Flow, r.FlowUnit, r.Note}, err
			}},
		{file: model.FileStations, table: "stations", key: []string{"station_id"}, bump: recordRev,
			cols: []col{text("station_id"), text("name"), text("kind"), {"location", "point"}, text("river"), text("water_class"),
				{"tidal", "boolean"}, text("note")},
			n: len(ds.Stations), row: func(i int) ([]any, error) {
				s := &ds.Stations[i]
				b, err := pointEWKB(s.Point)
				return []any{s.ID, s.Name, string(s.Kind), b, s.River, string(s.WaterClass), s.Tidal, s.Note}, err
			}},
		{file: model.FileReadings, table: "readings", key: []string{"station_id", "time", "parameter"}, bump: correctedRev,
			cols: readingCols,
			n:    ds.NumReadings(), row: func(i int) ([]any, error) {
				r, err := ds.Reading(i).Canonical()
				return readingRow(r), err
			},
			before: func(ctx context.Context, tx pgx.Tx) error {
				return prepareReadingsWrite(ctx, tx, ds.NumReadings(), func(i int) time.Time { return ds.Reading(i).Time })
			},
			after: func(ctx context.Context, tx pgx.Tx) error { return notify(ctx, tx, ReadingsChannel, importNotice) }},
	}
}

// recordKinds is how many of kinds' entries, from the first, are the
// records ImportDataset writes in one transaction; readings follow in their
// own.
const recordKinds = 6

var readingCols = []col{{"station_id", "text"}, {"time", "timestamptz"}, {"utc_offset", "integer"}, {"parameter", "text"},
	{"value", "double precision"}, {"unit", "text"}, {"censored", "boolean"}, {"flow", "double precision"}, {"flow_unit", "text"}, {"note", "text"},
	{"sample_id", "text"}, {"method", "text"}, {"lab", "text"}, {"accreditation", "text"}, {"qa_flag", "text"}}

func readingRow(r model.Reading) []any {
	_, off := r.Time.Zone()
	s := r.Sample
	return []any{r.Station, r.Time, int32(off), r.Parameter, r.Value, r.Unit, r.Censored, r.Flow, r.FlowUnit, r.Note,
		s.ID, s.Method, s.Lab, s.Accreditation, s.QA}
}

// lookupKnown finds, in the store, the records ds refers to without
// containing them.
func lookupKnown(ctx context.Context, q querier, ds *model.Dataset) (*known, error) {
	r := externalRefs(ds)
	k := &known{facilities: map[string]bool{}, permits: map[string]string{}, outfalls: map[model.OutfallKey]bool{}, stations: map[string]bool{}}
	strs := func(sql string, keys []string, fn func(a, b string)) error {
		if len(keys) == 0 {
			return nil
		}
		rows, err := q.Query(ctx, sql, keys)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, b string
			if err := rows.Scan(&a, &b); err != nil {
				return err
			}
			fn(a, b)
		}
		return rows.Err()
	}
	if err := strs("select ems_no, '' from facilities where ems_no = any($1)", r.facilities, func(a, _ string) { k.facilities[a] = true }); err != nil {
		return nil, err
	}
	if err := strs("select per_no, ems_no from permits where per_no = any($1)", r.permits, func(a, b string) { k.permits[a] = b }); err != nil {
		return nil, err
	}
	if err := strs("select station_id, '' from stations where station_id = any($1)", r.stations, func(a, _ string) { k.stations[a] = true }); err != nil {
		return nil, err
	}
	if ok := outfallRefs(ds, k); len(ok) > 0 {
		fac := make([]string, len(ok))
		let := make([]string, len(ok))
		for i, o := range ok {
			fac[i], let[i] = o.Facility, o.ID
		}
		rows, err := q.Query(ctx, "select o.ems_no, o.let from outfalls o join unnest($1::text[], $2::text[]) as x(f, l) on o.ems_no = x.f and o.let = x.l", fac, let)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var f, l string
			if err := rows.Scan(&f, &l); err != nil {
				return nil, err
			}
			k.outfalls[model.OutfallKey{Facility: f, ID: l}] = true
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// querier is what lookups need from a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// InvalidError rejects an import or ingest before anything is written. It
// wraps the individual problems, each a *model.FieldError naming the
// file, the record (0-based index in the Dataset slice or the readings
// passed) and the reason, so errors.As finds them and errors.Is(err,
// model.ErrInvalid) holds.
type InvalidError struct {
	Err error
}

// Error says that nothing was written and lists the problems.
func (e *InvalidError) Error() string {
	return "store: rejected, nothing written: " + e.Err.Error()
}

// Unwrap exposes the problems.
func (e *InvalidError) Unwrap() error { return e.Err }

// ImportDataset merges a data directory's records into the store: it
// inserts new records and updates changed ones by key, leaving identical
// ones untouched, so a re-import changes nothing. Records are never
// deleted by an import. Facilities, outfalls, permits, limits, reports and
// stations (in that order) are one transaction, so a running replica
// (NewRecordsFollower) applies a facility with its outfalls, permits and
// limits together or not at all; readings are a second transaction.
//
// Everything is validated before anything is written, with the data
// directory's own rules (model.Dataset.Index) and with references
// resolved against the dataset and the store together (readings may name
// stations imported last month). Records sharing a key (two readings of
// one parameter at one station and instant) are rejected too, because the
// store keeps one. A rejection is an *InvalidError and writes nothing; a
// database failure in the readings rolls them back and leaves the records
// before them committed, so the call can simply be repeated.
//
// Values are stored in their parameter's canonical unit (readings, reports
// and limits; river flows in m³/s, reported discharges in m³/day), converted
// by the records' own Canonical methods on the way in; ds itself is left as
// it was. progress counts records across all kinds.
func ImportDataset(ctx context.Context, pool *pgxpool.Pool, ds *model.Dataset, progress Progress) error {
	if ds == nil {
		return errors.New("store: ImportDataset: nil dataset")
	}
	k, err := lookupKnown(ctx, pool, ds)
	if err != nil {
		return wrap("import dataset", err)
	}
	if err := validateDataset(ds, k); err != nil {
		return &InvalidError{Err: err}
	}
	ks := kinds(ds)
	total, done := 0, 0
	for _, k := range ks {
		total += k.n
	}
	progress.report(0, total)
	for u, unit := range [][]*kind{ks[:recordKinds], ks[recordKinds:]} {
		n := 0
		for _, k := range unit {
			n += k.n
		}
		if n == 0 {
			continue
		}
		stage := unit[0].file
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if err := setBulkTimeout(ctx, tx); err != nil {
				return err
			}
			records := u == 0
			if records {
				if err := lockRecordWriters(ctx, tx); err != nil {
					return err
				}
			}
			changed := false
			for _, k := range unit {
				if k.n == 0 {
					continue
				}
				stage = k.file
				base := done
				c, err := k.write(ctx, tx, func(d int) { progress.report(base+d, total) })
				if err != nil {
					return err
				}
				changed = changed || c
				done += k.n
				progress.report(done, total)
			}
			if records && changed {
				return notifyMark(ctx, tx, RecordsChannel, recordsHighWaterSQL)
			}
			return nil
		})
		if err != nil {
			return wrap("import "+stage, err)
		}
	}
	return nil
}

// write stages the kind's rows in tx and upserts them, reporting progress
// within the kind; it says whether a row was inserted or changed.
func (k *kind) write(ctx context.Context, tx pgx.Tx, progress func(done int)) (bool, error) {
	if k.before != nil {
		if err := k.before(ctx, tx); err != nil {
			return false, err
		}
	}
	if _, err := tx.Exec(ctx, k.tempDDL()); err != nil {
		return false, err
	}
	src := &copyRows{n: k.n, row: func(i int) ([]any, error) {
		vals, err := k.row(i)
		if err != nil {
			return nil, &model.FieldError{File: k.file, Record: i, Err: err}
		}
		return append([]any{int32(i)}, vals...), nil
	}, progress: progress}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"tmp_" + k.table}, append([]string{"pos"}, k.names()...), src); err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, k.upsertSQL())
	if err != nil || tag.RowsAffected() == 0 {
		return false, err
	}
	if k.after != nil {
		return true, k.after(ctx, tx)
	}
	return true, nil
}

// LoadDataset reads every stored record back as a Dataset, each kind in
// first-insertion order, so that a dataset imported into an empty store
// comes back equal to what was imported (times keep the zone offset they
// were written with; parameters, units and values come back canonical). The
// result is indexed (model.Dataset.Index), which converts any value stored
// in another unit before this version, and safe for concurrent lookups.
// It reads in one read-only snapshot under BulkStatementTimeout.
func LoadDataset(ctx context.Context, pool *pgxpool.Pool) (*model.Dataset, error) {
	var ds *model.Dataset
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var err error
		ds, err = loadDataset(ctx, tx)
		return err
	})
	if err != nil {
		return nil, wrap("load dataset", err)
	}
	if err := indexLoaded(ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// loadDataset reads every stored record in tx, which must be one
// snapshot for all kinds, so references agree with each other while
// imports and ingests run; reading a whole store is bulk work.
func loadDataset(ctx context.Context, tx pgx.Tx) (*model.Dataset, error) {
	ds := &model.Dataset{}
	if err := setBulkTimeout(ctx, tx); err != nil {
		return nil, err
	}
	if err := loadRecords(ctx, tx, ds, "", "seq"); err != nil {
		return nil, err
	}
	var rs []model.Reading
	err := loadRows(ctx, tx, "select "+readingColumns+" from readings order by seq", func(r pgx.Rows) error {
		var x model.Reading
		if err := scanReading(r, &x); err != nil {
			return err
		}
		rs = append(rs, x)
		return nil
	})
	ds.SetReadings(rs)
	return ds, err
}

// indexLoaded indexes a dataset read back from the store; one that fails
// validation was edited outside envtrace.
func indexLoaded(ds *model.Dataset) error {
	if err := ds.Index(); err != nil {
		return fmt.Errorf("store: load dataset: the stored records fail validation (edited outside envtrace?): %w", err)
	}
	return nil
}

// loadRecords appends to ds the facilities, outfalls, permits, limits,
// reports and stations that filter (an SQL "where" clause over args, or
// "") selects, each kind in the given order.
func loadRecords(ctx context.Context, tx pgx.Tx, ds *model.Dataset, filter, order string, args ...any) error {
	if err := loadRows(ctx, tx, "select ems_no, name, industry, st_asewkb(location), receiving_water, note from facilities "+filter+" order by "+order, func(r pgx.Rows) error {
		var f model.Facility
		var loc []byte
		if err := r.Scan(&f.EmsNo, &f.Name, &f.Industry, &loc, &f.ReceivingWater, &f.Note); err != nil {
			return err
		}
		if loc != nil {
			p, err := point(loc)
			if err != nil {
				return err
			}
			f.Location = &p
		}
		ds.Facilities = append(ds.Facilities, f)
		return nil
	}, args...); err != nil {
		return err
	}
	if err := loadRows(ctx, tx, "select ems_no, let, st_asewkb(location), receiving_water, note from outfalls "+filter+" order by "+order, func(r pgx.Rows) error {
		var o model.Outfall
		var loc []byte
		if err := r.Scan(&o.Facility, &o.ID, &loc, &o.ReceivingWater, &o.Note); err != nil {
			return err
		}
		p, err := point(loc)
		o.Point = p
		ds.Outfalls = append(ds.Outfalls, o)
		return err
	}, args...); err != nil {
		return err
	}
	if err := loadRows(ctx, tx, `select per_no, ems_no, valid_from, valid_to, per_type, max_daily_m3, intake_source, intake_m3d,
			treatment_capacity_m3d, note from permits `+filter+` order by `+order, func(r pgx.Rows) error {
		var p model.Permit
		if err := r.Scan(&p.PerNo, &p.Facility, &p.ValidFrom, &p.ValidTo, &p.Type, &p.MaxDailyM3, &p.IntakeSource,
			&p.IntakeM3PerDay, &p.TreatmentCapacityM3PerDay, &p.Note); err != nil {
			return err
		}
		p.ValidFrom, p.ValidTo = date(p.ValidFrom), date(p.ValidTo)
		ds.Permits = append(ds.Permits, p)
		return nil
	}, args...); err != nil {
		return err
	}
	if err := loadRows(ctx, tx, "select per_no, let, parameter, value, unit, stat_base, bound, report_only, note from permit_limits "+filter+" order by "+order, func(r pgx.Rows) error {
		var l model.PermitLimit
		var base, bound string
		if err := r.Scan(&l.Permit, &l.Outfall, &l.Parameter, &l.Value, &l.Unit, &base, &bound, &l.ReportOnly, &l.Note); err != nil {
			return err
		}
		l.StatBase = dmr.StatBase(base)
		if bound == "lower" {
			l.Bound = dmr.Lower
		}
		ds.Limits = append(ds.Limits, l)
		return nil
	}, args...); err != nil {
		return err
	}
	if err := loadRows(ctx, tx, `select ems_no, per_no, let, period_start, period_end, parameter, value, unit, stat_base, censored,
			no_data, flow, flow_unit, note from reports `+filter+` order by `+order, func(r pgx.Rows) error {
		var x model.Report
		var base string
		if err := r.Scan(&x.Facility, &x.Permit, &x.Outfall, &x.Period.Start, &x.Period.End, &x.Parameter, &x.Value, &x.Unit, &base,
			&x.Censored, &x.NoData, &x.Flow, &x.FlowUnit, &x.Note); err != nil {
			return err
		}
		x.Period.Start, x.Period.End = date(x.Period.Start), date(x.Period.End)
		x.StatBase = dmr.StatBase(base)
		ds.Reports = append(ds.Reports, x)
		return nil
	}, args...); err != nil {
		return err
	}
	if err := loadRows(ctx, tx, "select station_id, name, kind, st_asewkb(location), river, water_class, tidal, note from stations "+filter+" order by "+order, func(r pgx.Rows) error {
		var s model.Station
		var kind, class string
		var loc []byte
		if err := r.Scan(&s.ID, &s.Name, &kind, &loc, &s.River, &class, &s.Tidal, &s.Note); err != nil {
			return err
		}
		s.Kind, s.WaterClass = model.StationKind(kind), standard.Class(class)
		p, err := point(loc)
		s.Point = p
		ds.Stations = append(ds.Stations, s)
		return err
	}, args...); err != nil {
		return err
	}
	return nil
}

// inOffset shows an instant in the zone offset it was written with.
func inOffset(t time.Time, off int) time.Time {
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", off))
}

func point(b []byte) (model.Point, error) {
	p, _, err := postgis.PointEWKB(b)
	return model.Point{X: p[0], Y: p[1]}, err
}

func loadRows(ctx context.Context, tx pgx.Tx, sql string, scan func(pgx.Rows) error, args ...any) error {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
