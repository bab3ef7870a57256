package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/tracing/farmland"
	"github.com/envtrace/envtrace/tracing/model"
)

// FarmlandChannel is the LISTEN/NOTIFY channel on which ImportFarmland
// announces, at COMMIT, the rev of the irrigation system it stored
// (migration 0019), so that every `serve --db` replica replaces its
// farmland layers within a second, without a restart.
const FarmlandChannel = "envtrace_farmland"

// farmlandHighWaterSQL is the rev of the stored irrigation system: the
// last import's (0 for none).
const farmlandHighWaterSQL = `select coalesce(max(rev), 0) from farmland_imports`

// ImportFarmland stores a data directory's irrigation system (intakes,
// irrigated areas, reach flows, canal permits; migration 0019) in one
// transaction, replacing the one stored: the layers refer to one another,
// so they are kept together, as the directory keeps them. An irrigation
// system that fails farmland.Data.Validate, or an area whose polygon
// PostGIS finds invalid (a self-intersecting ring), is an *InvalidError
// naming what to fix, and nothing is written. It returns the rev the
// import stored, which the replicas' followers (NewFarmlandFollower)
// reach when they hold it.
func ImportFarmland(ctx context.Context, pool *pgxpool.Pool, d *farmland.Data, source string) (int64, error) {
	if err := d.Validate(); err != nil {
		return 0, &InvalidError{Err: err}
	}
	var rev int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := setBulkTimeout(ctx, tx); err != nil {
			return err
		}
		// Imports commit in rev order: a follower at rev N never later
		// meets an import below N.
		if _, err := tx.Exec(ctx, `select pg_advisory_xact_lock(hashtext('envtrace farmland writers'))`); err != nil {
			return fmt.Errorf("farmland writers lock: %w", err)
		}
		if err := tx.QueryRow(ctx, `insert into farmland_imports (source) values ($1) returning rev`, source).Scan(&rev); err != nil {
			return err
		}
		for _, t := range []string{"farmland_areas", "farmland_intakes", "farmland_reach_flows", "farmland_canal_permits"} {
			if _, err := tx.Exec(ctx, "delete from "+t); err != nil {
				return err
			}
		}
		if err := insertFarmland(ctx, tx, d, rev); err != nil {
			return err
		}
		if err := invalidAreas(ctx, tx); err != nil {
			return err
		}
		return notify(ctx, tx, FarmlandChannel, strconv.FormatInt(rev, 10))
	})
	var inv *InvalidError
	if errors.As(err, &inv) {
		return 0, err
	}
	return rev, wrap("import farmland", err)
}

// insertFarmland queues the rows of d, in the files' order, as one batch.
func insertFarmland(ctx context.Context, tx pgx.Tx, d *farmland.Data, rev int64) error {
	b := &pgx.Batch{}
	var errs []error
	for i, in := range d.Intakes {
		g, err := postgis.EWKB(orb.Point{in.Point.X, in.Point.Y}, 3826)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: intake %s: %w", farmland.FileIntakes, in.ID, err))
			continue
		}
		b.Queue(`insert into farmland_intakes (id, ord, name, reach_id, capacity_m3s, office, contact, email, rev, geom)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, st_geomfromewkb($10))`,
			in.ID, i, in.Name, in.ReachID, in.CapacityM3s, in.Office, in.Contact, in.Email, rev, g)
	}
	for i, a := range d.Areas {
		g, err := postgis.EWKB(a.Geometry, 3826)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: area %s: %w", farmland.FileAreas, a.ID, err))
			continue
		}
		soil, err := json.Marshal(a.Soil)
		if err != nil {
			return err
		}
		b.Queue(`insert into farmland_areas (id, ord, intake_ids, area_ha, crops, depth_m, bulk_density, irrigation_m3_ha_y, soil, rev, geom)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, st_geomfromewkb($11))`,
			a.ID, i, a.IntakeIDs, a.AreaHa, a.Crops, a.DepthM, a.BulkDensity, a.IrrigationM3HaY, soil, rev, g)
	}
	for reach, q := range d.FlowM3s {
		b.Queue(`insert into farmland_reach_flows (reach_id, flow_m3s, rev) values ($1, $2, $3)`, reach, q, rev)
	}
	for i, p := range d.Permits {
		b.Queue(`insert into farmland_canal_permits (ord, permit_no, ems_no, let, reach_id, agency, valid_from, valid_to, rev)
			values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, i, p.PermitNo, p.EMSNo, p.Let, p.ReachID, p.Agency, p.From, p.To, rev)
	}
	if err := errors.Join(errs...); err != nil {
		return &InvalidError{Err: err}
	}
	return tx.SendBatch(ctx, b).Close()
}

// invalidAreas names the stored areas whose polygons PostGIS finds
// invalid (the overlay and area functions give wrong answers on them),
// with its reason and place.
func invalidAreas(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `select id, st_isvalidreason(geom) from farmland_areas where not st_isvalid(geom) order by ord`)
	if err != nil {
		return err
	}
	bad, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (error, error) {
		var id, reason string
		if err := r.Scan(&id, &reason); err != nil {
			return nil, err
		}
		return fmt.Errorf("%s: area %s: invalid polygon: %s", farmland.FileAreas, id, reason), nil
	})
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return &InvalidError{Err: fmt.Errorf("%w: %w", farmland.ErrInvalid, errors.Join(bad...))}
	}
	return nil
}

// LoadFarmland reads the stored irrigation system as farmland.ReadDir
// reads a directory (the files' order, flows in m³/s, permit dates at UTC
// midnight), with its rev, from one snapshot; a nil Data and rev 0 when
// none is stored.
func LoadFarmland(ctx context.Context, pool *pgxpool.Pool) (*farmland.Data, int64, error) {
	var d *farmland.Data
	rev, err := sinceMark(ctx, pool, farmlandHighWaterSQL, 0, func(tx pgx.Tx, _ int64) error {
		var err error
		d, err = loadFarmland(ctx, tx)
		return err
	})
	if err != nil {
		return nil, 0, wrap("load farmland", err)
	}
	return d, rev, nil
}

// loadFarmland reads the four layers in tx.
func loadFarmland(ctx context.Context, tx pgx.Tx) (*farmland.Data, error) {
	d := &farmland.Data{FlowM3s: map[string]float64{}}
	rows, err := tx.Query(ctx, `select id, name, reach_id, capacity_m3s, office, contact, email, st_asewkb(geom) from farmland_intakes order by ord`)
	if err != nil {
		return nil, err
	}
	if d.Intakes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (farmland.Intake, error) {
		var in farmland.Intake
		var g []byte
		if err := r.Scan(&in.ID, &in.Name, &in.ReachID, &in.CapacityM3s, &in.Office, &in.Contact, &in.Email, &g); err != nil {
			return in, err
		}
		p, _, err := postgis.PointEWKB(g)
		if err != nil {
			return in, fmt.Errorf("intake %s: %w", in.ID, err)
		}
		in.Point = model.Point{X: p[0], Y: p[1]}
		return in, nil
	}); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `select id, intake_ids, area_ha, crops, depth_m, bulk_density, irrigation_m3_ha_y, soil, st_asewkb(geom)
		from farmland_areas order by ord`)
	if err != nil {
		return nil, err
	}
	if d.Areas, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (farmland.Area, error) {
		var a farmland.Area
		var soil, g []byte
		if err := r.Scan(&a.ID, &a.IntakeIDs, &a.AreaHa, &a.Crops, &a.DepthM, &a.BulkDensity, &a.IrrigationM3HaY, &soil, &g); err != nil {
			return a, err
		}
		if err := json.Unmarshal(soil, &a.Soil); err != nil {
			return a, fmt.Errorf("area %s: soil: %w", a.ID, err)
		}
		var err error
		if a.Geometry, _, err = postgis.ParseEWKB(g); err != nil {
			return a, fmt.Errorf("area %s: %w", a.ID, err)
		}
		return a, nil
	}); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `select reach_id, flow_m3s from farmland_reach_flows`)
	if err != nil {
		return nil, err
	}
	var reach string
	var q float64
	if _, err := pgx.ForEachRow(rows, []any{&reach, &q}, func() error { d.FlowM3s[reach] = q; return nil }); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `select permit_no, ems_no, let, reach_id, agency, valid_from, valid_to from farmland_canal_permits order by ord`)
	if err != nil {
		return nil, err
	}
	if d.Permits, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (farmland.CanalPermit, error) {
		var p farmland.CanalPermit
		err := r.Scan(&p.PermitNo, &p.EMSNo, &p.Let, &p.ReachID, &p.Agency, &p.From, &p.To)
		p.From, p.To = p.From.UTC(), p.To.UTC()
		return p, err
	}); err != nil {
		return nil, err
	}
	return d, nil
}

// NewFarmlandFollower follows the stored irrigation system from rev after
// (LoadFarmland's): on every notification (and every Poll) it reads, in
// one snapshot with the rev, the whole system an import stored above
// after and hands it to apply, which replaces the replica's layers. An
// apply error stops the follower, as the records follower's does: a
// replica must not silently answer from layers the database no longer
// holds.
func NewFarmlandFollower(pool *pgxpool.Pool, after int64, apply func(ctx context.Context, d *farmland.Data) error) *Follower {
	f := &Follower{Pool: pool}
	f.feed = feed{channel: FarmlandChannel, next: func(ctx context.Context, q querier, after int64) (int, int64, error) {
		var d *farmland.Data
		high, err := sinceMark(ctx, q, farmlandHighWaterSQL, after, func(tx pgx.Tx, _ int64) error {
			var err error
			d, err = loadFarmland(ctx, tx)
			return err
		})
		if err != nil || high <= after {
			return 0, after, err
		}
		if err := apply(ctx, d); err != nil {
			return 0, after, &applyError{err: fmt.Errorf("apply farmland layers of rev %d: %w", high, err)}
		}
		return 1, high, nil
	}}
	f.high.Store(after)
	return f
}
