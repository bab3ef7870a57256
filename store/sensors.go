package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/tracing/sensor"
)

// IngestSensorReadings stores sensors and their readings in one
// transaction: new sensors are inserted (a known id is kept as stored),
// each month the readings touch gets its partition of sensor_readings,
// the readings are COPYed into a staging table and moved into
// sensor_readings with ON CONFLICT DO NOTHING, so a reading sent twice is
// stored once. It returns how many readings were new and how many were
// held already. The data must have been read and checked by
// tracing/sensor (parameters and units canonical, devices known).
func IngestSensorReadings(ctx context.Context, pool *pgxpool.Pool, d *sensor.Data) (inserted, duplicates int, err error) {
	if len(d.Readings) == 0 && len(d.Sensors) == 0 {
		return 0, 0, nil
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, s := range d.Sensors {
			if _, err := tx.Exec(ctx, `insert into sensors (device_id, kind, lon, lat, geom)
				values ($1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 3826)) on conflict (device_id) do nothing`,
				s.ID, s.Kind, s.Lon, s.Lat, s.Point.X, s.Point.Y); err != nil {
				return fmt.Errorf("store: sensor %s: %w", s.ID, err)
			}
		}
		if err := ensureMonths(ctx, tx, "sensor_readings", len(d.Readings), func(i int) time.Time { return d.Readings[i].Time }); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `create temp table sensor_readings_stage (like sensor_readings including defaults) on commit drop`); err != nil {
			return fmt.Errorf("store: staging table: %w", err)
		}
		rows := pgx.CopyFromSlice(len(d.Readings), func(i int) ([]any, error) {
			r := d.Readings[i]
			return []any{r.Device, r.Time, r.Parameter, r.Value, r.Unit}, nil
		})
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"sensor_readings_stage"}, []string{"device_id", "time", "parameter", "value", "unit"}, rows)
		if err != nil {
			return fmt.Errorf("store: copy sensor readings: %w", err)
		}
		tag, err := tx.Exec(ctx, `insert into sensor_readings select * from sensor_readings_stage on conflict do nothing`)
		if err != nil {
			return fmt.Errorf("store: move sensor readings: %w", err)
		}
		inserted = int(tag.RowsAffected())
		duplicates = int(n) - inserted
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return inserted, duplicates, nil
}

// LoadSensorReadings reads the sensors and the readings in [from, to) back,
// in the order tracing/sensor keeps them, for a server started from
// PostGIS to fill its in-memory window.
func LoadSensorReadings(ctx context.Context, pool *pgxpool.Pool, from, to time.Time) (*sensor.Data, error) {
	d := &sensor.Data{}
	rows, err := pool.Query(ctx, `select device_id, kind, lon, lat, ST_X(geom), ST_Y(geom) from sensors order by device_id`)
	if err != nil {
		return nil, fmt.Errorf("store: sensors: %w", err)
	}
	for rows.Next() {
		var s sensor.Sensor
		if err := rows.Scan(&s.ID, &s.Kind, &s.Lon, &s.Lat, &s.Point.X, &s.Point.Y); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: sensors: %w", err)
		}
		d.Sensors = append(d.Sensors, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sensors: %w", err)
	}
	rows, err = pool.Query(ctx, `select device_id, time, parameter, value, unit from sensor_readings
		where time >= $1 and time < $2 order by device_id, time, parameter`, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: sensor readings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r sensor.Reading
		if err := rows.Scan(&r.Device, &r.Time, &r.Parameter, &r.Value, &r.Unit); err != nil {
			return nil, fmt.Errorf("store: sensor readings: %w", err)
		}
		r.Time = r.Time.In(sensor.Taipei)
		d.Readings = append(d.Readings, r)
	}
	return d, rows.Err()
}
