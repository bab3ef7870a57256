package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/tracing/airpermit"
)

// AirPermitStats counts the rows ImportAirPermits added (factors: added
// or changed).
type AirPermitStats struct {
	Permits, Declarations, CEMS, RainyHours, Factors int
}

// ImportAirPermits stores a data directory's air-permit files (migration
// 0014) in one transaction. Rows already stored (same keys) are kept, so
// the import is idempotent; the bureau's emission factors (the entries
// that differ from the built-in table) replace the stored ones.
func ImportAirPermits(ctx context.Context, pool *pgxpool.Pool, d *airpermit.Data) (AirPermitStats, error) {
	var st AirPermitStats
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := lockAirPermitWriters(ctx, tx); err != nil {
			return err
		}
		var err error
		if st.Permits, err = copyInto(ctx, tx, "air_permits", []string{"ems_no", "per_no", "process_id", "stack_id", "industry", "pollutant",
			"permitted_kg_h", "capacity", "fuel", "sulphur_pct", "valid_from", "valid_to"}, len(d.Permits), func(i int) []any {
			p := d.Permits[i]
			return []any{p.Facility, p.PerNo, p.Process, p.Stack, p.Industry, p.Pollutant, p.PermittedKgH, p.Capacity, p.Fuel, p.SulphurPct,
				optDate(p.ValidFrom), optDate(p.To)}
		}); err != nil {
			return err
		}
		if st.Declarations, err = copyInto(ctx, tx, "fuel_declarations", []string{"ems_no", "stack_id", "industry", "period_start", "period_end",
			"fuel", "fuel_amount", "sulphur_pct", "control_efficiency", "production", "production_unit", "declared_so2_kg"}, len(d.Declarations), func(i int) []any {
			dc := d.Declarations[i]
			var so2 any
			if dc.HasDeclaredSO2 {
				so2 = dc.DeclaredSO2Kg
			}
			return []any{dc.Facility, dc.Stack, dc.Industry, dc.From, dc.To, dc.Fuel, dc.FuelAmount, dc.SulphurPct, dc.ControlEfficiency,
				dc.Production, dc.ProductionUnit, so2}
		}); err != nil {
			return err
		}
		if st.CEMS, err = copyCEMS(ctx, tx, d.CEMS); err != nil {
			return err
		}
		hours := make([]int64, 0, len(d.Rain))
		for h := range d.Rain {
			hours = append(hours, h)
		}
		if st.RainyHours, err = copyInto(ctx, tx, "rainy_hours", []string{"hour"}, len(hours), func(i int) []any {
			return []any{time.Unix(hours[i], 0)}
		}); err != nil {
			return err
		}
		if d.Factors != nil {
			if st.Factors, err = storeFactors(ctx, tx, d.Factors); err != nil {
				return err
			}
		}
		return notifyMark(ctx, tx, AirPermitsChannel, airHighWaterSQL)
	})
	return st, err
}

// storeFactors stores the factors that differ from the built-in table; a
// changed one takes a new seq, so the replicas rebuild their tables.
func storeFactors(ctx context.Context, tx pgx.Tx, f *airpermit.Factors) (int, error) {
	n := 0
	for _, e := range f.Overrides() {
		tag, err := tx.Exec(ctx, `insert into emission_factors (fuel, base_unit, pollutant, kg_per_base, per_sulphur_pct, source)
				values ($1, $2, $3, $4, $5, $6) on conflict (fuel, pollutant) do update set base_unit = excluded.base_unit,
				kg_per_base = excluded.kg_per_base, per_sulphur_pct = excluded.per_sulphur_pct, source = excluded.source,
				seq = nextval('air_data_seq')
				where (emission_factors.base_unit, emission_factors.kg_per_base, emission_factors.per_sulphur_pct, emission_factors.source)
				is distinct from (excluded.base_unit, excluded.kg_per_base, excluded.per_sulphur_pct, excluded.source)`,
			e.Fuel, e.BaseUnit, e.Pollutant, e.KgPerBase, e.PerSulphurPct, e.Source)
		if err != nil {
			return n, fmt.Errorf("store: emission factor %s %s: %w", e.Fuel, e.Pollutant, err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}

// copyCEMS adds CEMS records in their reported basis, keeping a record
// already stored; it returns how many it added.
func copyCEMS(ctx context.Context, tx pgx.Tx, cs []airpermit.CEMSRecord) (int, error) {
	return copyInto(ctx, tx, "cems_records", []string{"ems_no", "stack_id", "time", "parameter", "value", "unit", "status", "dry", "o2_ref_pct"},
		len(cs), func(i int) []any {
			c := cs[i]
			return []any{c.Facility, c.Stack, c.Time, c.Parameter, c.Value, c.Unit, int16(c.Status), c.Dry, c.O2Ref}
		})
}

// optDate stores a zero time as NULL (an open-ended permit).
func optDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// AirPermitsChannel is the LISTEN/NOTIFY channel on which every write of
// the air-permit tables (ImportAirPermits, IngestCEMS) announces, at
// COMMIT, the largest seq stored (AirPermitsHighWater), so that every
// `serve --db` replica applies the new permits, declarations, CEMS
// records, rainy hours and factors within a second, without a restart.
const AirPermitsChannel = "envtrace_air_permits"

// airHighWaterSQL is the largest seq of the air-permit tables: one
// sequence (air_data_seq, migration 0017) numbers them all.
const airHighWaterSQL = `select greatest(
	(select coalesce(max(seq), 0) from air_permits), (select coalesce(max(seq), 0) from fuel_declarations),
	(select coalesce(max(seq), 0) from cems_records), (select coalesce(max(seq), 0) from rainy_hours),
	(select coalesce(max(seq), 0) from emission_factors))`

// lockAirPermitWriters serialises the transactions that write the
// air-permit tables, for the rest of tx: seq values are taken inside the
// lock, so the rows commit in seq order and a follower never later meets
// a row below its high-water mark.
func lockAirPermitWriters(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(hashtext('envtrace air permit writers'))`); err != nil {
		return fmt.Errorf("store: air permit writer lock: %w", err)
	}
	return nil
}

// LoadAirPermits reads what ImportAirPermits stored, in the files' order,
// as airpermit.ReadDir reads a directory: dates at UTC midnight, CEMS
// times in Taiwan time, the factor table rebuilt from the built-in one and
// the stored entries. It also returns the high-water mark of what it
// read, from the same snapshot, from which NewAirPermitFollower follows.
func LoadAirPermits(ctx context.Context, pool *pgxpool.Pool) (*airpermit.Data, int64, error) {
	var d *airpermit.Data
	var high int64
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, airHighWaterSQL).Scan(&high); err != nil {
			return err
		}
		var err error
		d, _, err = airPermitsBetween(ctx, tx, 0, high)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: air permits: %w", err)
	}
	return d, high, nil
}

// airPermitsBetween reads the air-permit rows with seq in (after, upto],
// each table in seq order, and how many there were. The factor table is
// rebuilt (from every stored entry) when one of them is in the range, and
// is nil otherwise: unchanged.
func airPermitsBetween(ctx context.Context, q querier, after, upto int64) (*airpermit.Data, int, error) {
	d := &airpermit.Data{Rain: map[int64]bool{}}
	n := 0
	rows := func(table, cols string, scan func(pgx.Rows) error) error {
		r, err := q.Query(ctx, `select `+cols+` from `+table+` where seq > $1 and seq <= $2 order by seq`, after, upto)
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		defer r.Close()
		for r.Next() {
			if err := scan(r); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			n++
		}
		return r.Err()
	}
	changed := false
	if err := rows("emission_factors", "1", func(r pgx.Rows) error { changed = true; return r.Scan(new(int)) }); err != nil {
		return nil, 0, err
	}
	if changed || after == 0 {
		f, err := loadFactors(ctx, q)
		if err != nil {
			return nil, 0, err
		}
		d.Factors = f
	}
	err := rows("air_permits", `ems_no, per_no, process_id, stack_id, industry, pollutant, permitted_kg_h, capacity, fuel, sulphur_pct,
		valid_from, valid_to`, func(rows pgx.Rows) error {
		var p airpermit.Permit
		var from, to *time.Time
		err := rows.Scan(&p.Facility, &p.PerNo, &p.Process, &p.Stack, &p.Industry, &p.Pollutant, &p.PermittedKgH, &p.Capacity, &p.Fuel,
			&p.SulphurPct, &from, &to)
		p.ValidFrom, p.To = derefTime(from), derefTime(to)
		d.Permits = append(d.Permits, p)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	err = rows("fuel_declarations", `ems_no, stack_id, industry, period_start, period_end, fuel, fuel_amount, sulphur_pct, control_efficiency,
		production, production_unit, declared_so2_kg`, func(rows pgx.Rows) error {
		var dc airpermit.Declaration
		var so2 *float64
		err := rows.Scan(&dc.Facility, &dc.Stack, &dc.Industry, &dc.From, &dc.To, &dc.Fuel, &dc.FuelAmount, &dc.SulphurPct,
			&dc.ControlEfficiency, &dc.Production, &dc.ProductionUnit, &so2)
		if so2 != nil {
			dc.DeclaredSO2Kg, dc.HasDeclaredSO2 = *so2, true
		}
		d.Declarations = append(d.Declarations, dc)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	err = rows("cems_records", cemsColumns, func(rows pgx.Rows) error {
		c, err := scanCEMS(rows)
		d.CEMS = append(d.CEMS, c)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	err = rows("rainy_hours", "hour", func(rows pgx.Rows) error {
		var h time.Time
		err := rows.Scan(&h)
		d.Rain[h.Unix()] = true
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return d, n, nil
}

// cemsColumns are the columns scanCEMS reads, in its order.
const cemsColumns = `ems_no, stack_id, time, parameter, value, unit, status, dry, o2_ref_pct`

// scanCEMS reads one row of cemsColumns, its time in Taiwan time.
func scanCEMS(rows pgx.Rows) (airpermit.CEMSRecord, error) {
	var c airpermit.CEMSRecord
	var status int16
	err := rows.Scan(&c.Facility, &c.Stack, &c.Time, &c.Parameter, &c.Value, &c.Unit, &status, &c.Dry, &c.O2Ref)
	c.Time, c.Status = c.Time.In(atmos.TaipeiTime), airpermit.Status(status)
	return c, err
}

// loadFactors rebuilds the factor table from the built-in one and every
// stored entry.
func loadFactors(ctx context.Context, q querier) (*airpermit.Factors, error) {
	r, err := q.Query(ctx, `select fuel, base_unit, pollutant, kg_per_base, per_sulphur_pct, source from emission_factors order by fuel, pollutant`)
	if err != nil {
		return nil, fmt.Errorf("emission_factors: %w", err)
	}
	defer r.Close()
	var entries []airpermit.FactorEntry
	for r.Next() {
		var e airpermit.FactorEntry
		if err := r.Scan(&e.Fuel, &e.BaseUnit, &e.Pollutant, &e.KgPerBase, &e.PerSulphurPct, &e.Source); err != nil {
			return nil, fmt.Errorf("emission_factors: %w", err)
		}
		entries = append(entries, e)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("emission_factors: %w", err)
	}
	return airpermit.FactorsWith(entries)
}

// NewAirPermitFollower follows the air-permit tables from high-water mark
// after (LoadAirPermits's): on every notification (and every Poll) it
// reads, in one snapshot with the mark (sinceMark), the rows stored above
// the mark and hands them to apply as one
// airpermit.Data holding only the new rows (Factors nil when no factor
// changed, else the whole rebuilt table). The rows of one import arrive
// together, since they commit together; there is no batch bound, because
// the replica holds all air-permit data in memory anyway.
func NewAirPermitFollower(pool *pgxpool.Pool, after int64, apply func(ctx context.Context, delta *airpermit.Data) error) *Follower {
	f := &Follower{Pool: pool}
	f.feed = feed{channel: AirPermitsChannel, next: func(ctx context.Context, q querier, after int64) (int, int64, error) {
		d, n, high, err := airPermitsSince(ctx, q, after)
		if err != nil || high <= after {
			return 0, after, err
		}
		if err := apply(ctx, d); err != nil {
			return 0, after, &applyError{err: fmt.Errorf("apply air permits up to seq %d: %w", high, err)}
		}
		return n, high, nil
	}}
	f.high.Store(after)
	return f
}

// airPermitsSince reads (sinceMark) the air-permit rows with seq above
// after, with how many there were and the mark they reach (after when
// nothing is new).
func airPermitsSince(ctx context.Context, q querier, after int64) (*airpermit.Data, int, int64, error) {
	var d *airpermit.Data
	var n int
	high, err := sinceMark(ctx, q, airHighWaterSQL, after, func(tx pgx.Tx, high int64) error {
		var err error
		d, n, err = airPermitsBetween(ctx, tx, after, high)
		return err
	})
	if err != nil {
		return nil, 0, after, err
	}
	return d, n, high, nil
}

// derefTime reads a NULL date as the zero time.
func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// IngestCEMS stores a batch of CEMS records (POST /api/v1/air/cems,
// `envtrace import cems`) in one transaction, under the air-permit
// writers' lock: airpermit.CEMSBatch.Admit decides against the stacks
// the air_permits table permits and the records stored at the batch's
// keys, and a refused batch stores nothing. The replicas apply the new
// records through their followers (AirPermitsChannel); the high-water
// mark returned is the one a follower holding the batch has reached.
func IngestCEMS(ctx context.Context, pool *pgxpool.Pool, b *airpermit.CEMSBatch) (airpermit.CEMSStats, int64, error) {
	var st airpermit.CEMSStats
	var high int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := lockAirPermitWriters(ctx, tx); err != nil {
			return err
		}
		n := len(b.Records)
		facs, stacks, times, params := make([]string, n), make([]string, n), make([]time.Time, n), make([]string, n)
		for i, c := range b.Records {
			facs[i], stacks[i], times[i], params[i] = c.Facility, c.Stack, c.Time, c.Parameter
		}
		permitted := map[string][]string{}
		rows, err := tx.Query(ctx, `select distinct ems_no, stack_id from air_permits where ems_no = any($1) order by ems_no, stack_id`, facs)
		if err != nil {
			return fmt.Errorf("store: permitted stacks: %w", err)
		}
		var fac, stack string
		if _, err := pgx.ForEachRow(rows, []any{&fac, &stack}, func() error {
			permitted[fac] = append(permitted[fac], stack)
			return nil
		}); err != nil {
			return fmt.Errorf("store: permitted stacks: %w", err)
		}
		rows, err = tx.Query(ctx, `select `+cemsColumns+` from cems_records c
			join unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) k(ems_no, stack_id, time, parameter)
			using (ems_no, stack_id, time, parameter)`, facs, stacks, times, params)
		if err != nil {
			return fmt.Errorf("store: stored CEMS records: %w", err)
		}
		stored := map[airpermit.CEMSKey]*airpermit.CEMSRecord{}
		for rows.Next() {
			c, err := scanCEMS(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("store: stored CEMS records: %w", err)
			}
			stored[c.Key()] = &c
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: stored CEMS records: %w", err)
		}
		fresh, s, err := b.Admit(permitted, func(k airpermit.CEMSKey) *airpermit.CEMSRecord { return stored[k] })
		if err != nil {
			return err
		}
		if _, err := copyCEMS(ctx, tx, fresh); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, airHighWaterSQL).Scan(&high); err != nil {
			return fmt.Errorf("store: air permits high-water mark: %w", err)
		}
		st = s
		return notifyMark(ctx, tx, AirPermitsChannel, airHighWaterSQL)
	})
	if err != nil {
		return airpermit.CEMSStats{}, 0, err
	}
	return st, high, nil
}

// IngestCEMS stores a batch of CEMS records (the package's IngestCEMS).
func (s *PostGIS) IngestCEMS(ctx context.Context, b *airpermit.CEMSBatch) (airpermit.CEMSStats, int64, error) {
	return IngestCEMS(ctx, s.pool, b)
}
