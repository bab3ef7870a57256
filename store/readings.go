package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/tracing/model"
)

// MaxIngestBatch bounds one IngestReadings call: the readings travel as
// query parameters of a single statement, and a batch this size commits
// in well under the interactive statement timeout.
const MaxIngestBatch = 100_000

// ErrBatchTooLarge is returned for more than MaxIngestBatch readings;
// split them, each call is its own transaction.
var ErrBatchTooLarge = errors.New("store: too many readings in one call")

// ingestSQL inserts readings passed as parallel arrays in one statement and
// skips any whose (station, time, parameter) is stored already, or repeats
// an earlier one of the same call: a re-sent reading is a duplicate, not an
// error, and the first acknowledged value stands.
const ingestSQL = `insert into readings (station_id, time, utc_offset, parameter, value, unit, censored, flow, flow_unit, note)
select * from unnest($1::text[], $2::timestamptz[], $3::integer[], $4::text[], $5::double precision[], $6::text[],
	$7::boolean[], $8::double precision[], $9::text[], $10::text[])
on conflict (station_id, time, parameter) do nothing`

// ingestSampleSQL is ingestSQL with the readings' laboratory records, for
// batches that carry any (sensor feeds do not, and skip sending five
// arrays of empty strings).
const ingestSampleSQL = `insert into readings (station_id, time, utc_offset, parameter, value, unit, censored, flow, flow_unit, note,
	sample_id, method, lab, accreditation, qa_flag)
select * from unnest($1::text[], $2::timestamptz[], $3::integer[], $4::text[], $5::double precision[], $6::text[],
	$7::boolean[], $8::double precision[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
on conflict (station_id, time, parameter) do nothing`

// IngestReadings stores readings arriving from monitors and lab feeds. It
// validates every reading first with tracing/param (parameter known, unit
// known and fitting the parameter, finite value; flow and flow unit
// likewise) and the data directory's rules, then checks the stations exist
// and inserts them all in one transaction: on any problem it returns an
// *InvalidError naming each bad reading (its index in readings) and writes
// nothing. Readings already stored, or repeated within the call, are
// skipped and counted as duplicates, so a feed can re-send a batch whose
// acknowledgement it lost. It returns only after COMMIT: an acknowledged
// reading survives a crash of this process or of the database server.
func IngestReadings(ctx context.Context, pool *pgxpool.Pool, readings []model.Reading) (inserted, duplicates int, err error) {
	if len(readings) == 0 {
		return 0, 0, nil
	}
	if len(readings) > MaxIngestBatch {
		return 0, 0, ErrBatchTooLarge
	}
	if err := validateReadings(readings); err != nil {
		return 0, 0, &InvalidError{Err: err}
	}
	n := len(readings)
	var (
		station, par, unit, flowUnit, note = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sampleID, method, lab, accr, qa    = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		at                                 = make([]time.Time, n)
		off                                = make([]int32, n)
		value, flow                        = make([]float64, n), make([]float64, n)
		censored                           = make([]bool, n)
		stations                           = map[string]int{}
		withSamples                        bool
	)
	for i, r := range readings {
		r = canonReading(r)
		_, o := r.Time.Zone()
		station[i], at[i], off[i], par[i], value[i], unit[i] = r.Station, r.Time, int32(o), r.Parameter, r.Value, r.Unit
		censored[i], flow[i], flowUnit[i], note[i] = r.Censored, r.Flow, r.FlowUnit, r.Note
		sampleID[i], method[i], lab[i], accr[i], qa[i] = r.Sample.ID, r.Sample.Method, r.Sample.Lab, r.Sample.Accreditation, r.Sample.QA
		withSamples = withSamples || r.Sample != (model.Sample{})
		if _, ok := stations[r.Station]; !ok {
			stations[r.Station] = i
		}
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		ids := make([]string, 0, len(stations))
		for s := range stations {
			ids = append(ids, s)
		}
		rows, err := tx.Query(ctx, "select s from unnest($1::text[]) s where not exists (select 1 from stations where station_id = s)", ids)
		if err != nil {
			return err
		}
		missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			var errs []error
			for i, r := range readings {
				if len(errs) == 50 {
					break
				}
				for _, m := range missing {
					if r.Station == m {
						errs = append(errs, &model.FieldError{File: model.FileReadings, Record: i, Column: "station_id", Value: m, Err: errors.New("no such station in the store")})
					}
				}
			}
			return &InvalidError{Err: errors.Join(errs...)}
		}
		args := []any{station, at, off, par, value, unit, censored, flow, flowUnit, note}
		q := ingestSQL
		if withSamples {
			q, args = ingestSampleSQL, append(args, sampleID, method, lab, accr, qa)
		}
		tag, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return err
		}
		inserted = int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) {
			return 0, 0, inv
		}
		return 0, 0, wrap("ingest readings", err)
	}
	return inserted, n - inserted, nil
}
