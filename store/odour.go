package store

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/atmos"
	"github.com/envtrace/envtrace/casework/petition"
	"github.com/envtrace/envtrace/tracing/air"
	"github.com/envtrace/envtrace/tracing/odour"
)

// OdourAir is what the odour and air-monitor screens read (migration
// 0010): monitors, their wind and readings, and the petitions with their
// exact locations (analysis and staff only).
type OdourAir struct {
	Monitors    []atmos.Monitor
	Wind        []atmos.Observation
	AirReadings []air.Reading
	Petitions   []odour.Petition
}

// Seal seals a petitioner's contact before it is stored; nil stores no
// contact at all.
type Seal func(plain string) ([]byte, error)

// ImportStats counts what ImportOdourAir wrote and left out.
type ImportStats struct {
	Monitors, Wind, AirReadings, Petitions int
	// ContactsDropped counts contacts not stored for want of a sealer.
	ContactsDropped int
}

// ImportOdourAir stores a data directory's odour and monitor files in one
// transaction. Rows already stored (same keys) are kept as they are, so the
// import is idempotent. Contacts are sealed with seal (their JSON); with
// nil seal they are not stored and counted in ContactsDropped. subject
// (privacy.Secret.Subject; nil for none) gives each sealed contact the
// blind index of its phone and e-mail, by which `privacy erase` finds it.
func ImportOdourAir(ctx context.Context, pool *pgxpool.Pool, d *OdourAir, contacts odour.Contacts, seal Seal, subject func(string) string) (ImportStats, error) {
	var st ImportStats
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, m := range d.Monitors {
			tag, err := tx.Exec(ctx, `insert into monitors (monitor_id, name, kind, altitude_m, note, geom)
				values ($1, $2, $3, $4, $5, ST_SetSRID(ST_MakePoint($6, $7), 4326)) on conflict (monitor_id) do nothing`,
				m.ID, m.Name, string(m.Kind), null(m.AltitudeM), m.Note, m.Lon, m.Lat)
			if err != nil {
				return fmt.Errorf("store: monitor %s: %w", m.ID, err)
			}
			st.Monitors += int(tag.RowsAffected())
		}
		var err error
		if st.Wind, err = copyInto(ctx, tx, "wind_observations", []string{"monitor_id", "time", "speed", "direction", "sigma_theta", "flag"}, len(d.Wind), func(i int) []any {
			o := d.Wind[i]
			return []any{o.Station, o.Time, null(o.Speed), null(o.Direction), null(o.SigmaTheta), string(o.Flag)}
		}); err != nil {
			return err
		}
		if st.AirReadings, err = copyInto(ctx, tx, "air_readings", []string{"monitor_id", "time", "parameter", "value", "unit", "flag"}, len(d.AirReadings), func(i int) []any {
			r := d.AirReadings[i]
			return []any{r.Monitor, r.Time, r.Parameter, r.Value, r.Unit, string(r.Flag)}
		}); err != nil {
			return err
		}
		for _, p := range d.Petitions {
			var sealed []byte
			var subjects []string
			if c, ok := contacts[p.ID]; ok {
				if seal == nil {
					st.ContactsDropped++
				} else if sealed, err = seal(contactJSON(c)); err != nil {
					return fmt.Errorf("store: sealing the contact of petition %s: %w", p.ID, err)
				} else if subject != nil {
					subjects = petition.Contact{Phone: c.Phone, Email: c.Email}.Subjects(subject)
				}
			}
			var hedonic any
			if p.Hedonic != nil {
				hedonic = *p.Hedonic
			}
			tag, err := tx.Exec(ctx, `insert into petitions (petition_id, time, category, intensity, hedonic, duration, channel, description, geom, contact_sealed, contact_subjects)
				values ($1, $2, $3, $4, $5, $6, $7, $8, ST_SetSRID(ST_MakePoint($9, $10), 4326), $11, $12) on conflict (petition_id) do nothing`,
				p.ID, p.Time, p.Category.String(), p.Intensity, hedonic, string(p.Duration), p.Channel, p.Description, p.Lon, p.Lat, sealed, subjectsOrNil(subjects))
			if err != nil {
				return fmt.Errorf("store: petition %s: %w", p.ID, err)
			}
			st.Petitions += int(tag.RowsAffected())
		}
		return nil
	})
	return st, err
}

// contactJSON is the sealed form of a contact: the four fields, as JSON.
func contactJSON(c odour.Contact) string {
	return fmt.Sprintf(`{"name":%q,"phone":%q,"email":%q,"address":%q}`, c.Name, c.Phone, c.Email, c.Address)
}

// copyInto COPYs n rows into a staging copy of table and moves them with
// ON CONFLICT DO NOTHING; it returns how many were new.
func copyInto(ctx context.Context, tx pgx.Tx, table string, cols []string, n int, row func(int) []any) (int, error) {
	if n == 0 {
		return 0, nil
	}
	stage := table + "_stage"
	if _, err := tx.Exec(ctx, fmt.Sprintf(`create temp table %s (like %s including defaults) on commit drop`,
		pgx.Identifier{stage}.Sanitize(), pgx.Identifier{table}.Sanitize())); err != nil {
		return 0, fmt.Errorf("store: staging %s: %w", table, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{stage}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) { return row(i), nil })); err != nil {
		return 0, fmt.Errorf("store: copy %s: %w", table, err)
	}
	tag, err := tx.Exec(ctx, fmt.Sprintf(`insert into %s select * from %s on conflict do nothing`, pgx.Identifier{table}.Sanitize(), pgx.Identifier{stage}.Sanitize()))
	if err != nil {
		return 0, fmt.Errorf("store: move %s: %w", table, err)
	}
	return int(tag.RowsAffected()), nil
}

// null stores NaN as NULL.
func null(v float64) any {
	if math.IsNaN(v) {
		return nil
	}
	return v
}

func nan(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// LoadOdourAir reads everything ImportOdourAir stores except the contacts,
// in the order the data-directory readers give (monitors by id, wind and
// readings by monitor and time, petitions by time). Times come back in
// Taiwan time.
func LoadOdourAir(ctx context.Context, pool *pgxpool.Pool) (*OdourAir, error) {
	out := &OdourAir{}
	rows, err := pool.Query(ctx, `select monitor_id, name, kind, altitude_m, note, ST_X(geom), ST_Y(geom) from monitors order by monitor_id`)
	if err != nil {
		return nil, fmt.Errorf("store: monitors: %w", err)
	}
	for rows.Next() {
		var m atmos.Monitor
		var kind string
		var alt *float64
		if err := rows.Scan(&m.ID, &m.Name, &kind, &alt, &m.Note, &m.Lon, &m.Lat); err != nil {
			return nil, err
		}
		m.Kind, m.AltitudeM = atmos.MonitorKind(kind), nan(alt)
		out.Monitors = append(out.Monitors, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = pool.Query(ctx, `select monitor_id, time, speed, direction, sigma_theta, flag from wind_observations order by monitor_id, time`)
	if err != nil {
		return nil, fmt.Errorf("store: wind: %w", err)
	}
	for rows.Next() {
		var o atmos.Observation
		var speed, dir, sig *float64
		var flag string
		if err := rows.Scan(&o.Station, &o.Time, &speed, &dir, &sig, &flag); err != nil {
			return nil, err
		}
		o.Time, o.Speed, o.Direction, o.SigmaTheta, o.Flag = o.Time.In(atmos.TaipeiTime), nan(speed), nan(dir), nan(sig), atmos.Flag(flag)
		out.Wind = append(out.Wind, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = pool.Query(ctx, `select monitor_id, time, parameter, value, unit, flag from air_readings order by monitor_id, time, parameter`)
	if err != nil {
		return nil, fmt.Errorf("store: air readings: %w", err)
	}
	for rows.Next() {
		var r air.Reading
		var flag string
		if err := rows.Scan(&r.Monitor, &r.Time, &r.Parameter, &r.Value, &r.Unit, &flag); err != nil {
			return nil, err
		}
		r.Time, r.Flag = r.Time.In(atmos.TaipeiTime), air.Flag(flag)
		out.AirReadings = append(out.AirReadings, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, loadPetitions(ctx, pool, out)
}

// loadPetitions reads the imported petitions (petitions.csv); those the
// desk accepted are LoadIntake's.
func loadPetitions(ctx context.Context, pool *pgxpool.Pool, out *OdourAir) error {
	rows, err := pool.Query(ctx, `select petition_id, time, category, intensity, hedonic, duration, channel, description, ST_X(geom), ST_Y(geom)
		from petitions where origin = 'import' order by time, petition_id`)
	if err != nil {
		return fmt.Errorf("store: petitions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p odour.Petition
		var cat, dur string
		var intensity int16
		var hedonic *int16
		if err := rows.Scan(&p.ID, &p.Time, &cat, &intensity, &hedonic, &dur, &p.Channel, &p.Description, &p.Lon, &p.Lat); err != nil {
			return err
		}
		if err := petitionFields(&p, cat, intensity, hedonic, dur); err != nil {
			return err
		}
		out.Petitions = append(out.Petitions, p)
	}
	return rows.Err()
}
