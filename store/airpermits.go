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
		if st.CEMS, err = copyInto(ctx, tx, "cems_records", []string{"ems_no", "stack_id", "time", "parameter", "value", "unit", "status", "dry", "o2_ref_pct"},
			len(d.CEMS), func(i int) []any {
				c := d.CEMS[i]
				return []any{c.Facility, c.Stack, c.Time, c.Parameter, c.Value, c.Unit, int16(c.Status), c.Dry, c.O2Ref}
			}); err != nil {
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
		if d.Factors == nil {
			return nil
		}
		for _, e := range d.Factors.Overrides() {
			tag, err := tx.Exec(ctx, `insert into emission_factors (fuel, base_unit, pollutant, kg_per_base, per_sulphur_pct, source)
				values ($1, $2, $3, $4, $5, $6) on conflict (fuel, pollutant) do update set base_unit = excluded.base_unit,
				kg_per_base = excluded.kg_per_base, per_sulphur_pct = excluded.per_sulphur_pct, source = excluded.source
				where (emission_factors.base_unit, emission_factors.kg_per_base, emission_factors.per_sulphur_pct, emission_factors.source)
				is distinct from (excluded.base_unit, excluded.kg_per_base, excluded.per_sulphur_pct, excluded.source)`,
				e.Fuel, e.BaseUnit, e.Pollutant, e.KgPerBase, e.PerSulphurPct, e.Source)
			if err != nil {
				return fmt.Errorf("store: emission factor %s %s: %w", e.Fuel, e.Pollutant, err)
			}
			st.Factors += int(tag.RowsAffected())
		}
		return nil
	})
	return st, err
}

// optDate stores a zero time as NULL (an open-ended permit).
func optDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// LoadAirPermits reads what ImportAirPermits stored, in the files' order,
// as airpermit.ReadDir reads a directory: dates at UTC midnight, CEMS
// times in Taiwan time, the factor table rebuilt from the built-in one and
// the stored entries.
func LoadAirPermits(ctx context.Context, pool *pgxpool.Pool) (*airpermit.Data, error) {
	var d *airpermit.Data
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var err error
		d, err = loadAirPermits(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: air permits: %w", err)
	}
	return d, nil
}

func loadAirPermits(ctx context.Context, pool pgx.Tx) (*airpermit.Data, error) {
	d := &airpermit.Data{Rain: map[int64]bool{}}
	var entries []airpermit.FactorEntry
	err := loadRows(ctx, pool, `select fuel, base_unit, pollutant, kg_per_base, per_sulphur_pct, source from emission_factors order by fuel, pollutant`,
		func(rows pgx.Rows) error {
			var e airpermit.FactorEntry
			err := rows.Scan(&e.Fuel, &e.BaseUnit, &e.Pollutant, &e.KgPerBase, &e.PerSulphurPct, &e.Source)
			entries = append(entries, e)
			return err
		})
	if err != nil {
		return nil, err
	}
	if d.Factors, err = airpermit.FactorsWith(entries); err != nil {
		return nil, err
	}
	err = loadRows(ctx, pool, `select ems_no, per_no, process_id, stack_id, industry, pollutant, permitted_kg_h, capacity, fuel, sulphur_pct,
		valid_from, valid_to from air_permits order by seq`, func(rows pgx.Rows) error {
		var p airpermit.Permit
		var from, to *time.Time
		err := rows.Scan(&p.Facility, &p.PerNo, &p.Process, &p.Stack, &p.Industry, &p.Pollutant, &p.PermittedKgH, &p.Capacity, &p.Fuel,
			&p.SulphurPct, &from, &to)
		p.ValidFrom, p.To = derefTime(from), derefTime(to)
		d.Permits = append(d.Permits, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = loadRows(ctx, pool, `select ems_no, stack_id, industry, period_start, period_end, fuel, fuel_amount, sulphur_pct, control_efficiency,
		production, production_unit, declared_so2_kg from fuel_declarations order by seq`, func(rows pgx.Rows) error {
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
		return nil, err
	}
	err = loadRows(ctx, pool, `select ems_no, stack_id, time, parameter, value, unit, status, dry, o2_ref_pct from cems_records order by seq`,
		func(rows pgx.Rows) error {
			var c airpermit.CEMSRecord
			var status int16
			err := rows.Scan(&c.Facility, &c.Stack, &c.Time, &c.Parameter, &c.Value, &c.Unit, &status, &c.Dry, &c.O2Ref)
			c.Time, c.Status = c.Time.In(atmos.TaipeiTime), airpermit.Status(status)
			d.CEMS = append(d.CEMS, c)
			return err
		})
	if err != nil {
		return nil, err
	}
	err = loadRows(ctx, pool, `select hour from rainy_hours`, func(rows pgx.Rows) error {
		var h time.Time
		err := rows.Scan(&h)
		d.Rain[h.Unix()] = true
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// derefTime reads a NULL date as the zero time.
func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
