package store

import (
	"context"
	"errors"
	"slices"
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
// skips any whose (station, time, parameter) is stored already. When some
// were skipped, the caller reads the stored values back (storedSQL) and
// tells a re-sent reading (the same value) from a conflict (another value)
// with model.SortNew, in the same transaction.
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

// storedSQL reads the stored readings of a list of keys.
const storedSQL = `select r.station_id, r.time, r.utc_offset, r.parameter, r.value, r.unit, r.censored
from readings r join unnest($1::text[], $2::timestamptz[], $3::text[]) as k(s, t, p)
	on r.station_id = k.s and r.time = k.t and r.parameter = k.p`

// IngestReadings stores readings arriving from monitors and lab feeds. It
// validates every reading first and converts it to canonical units
// (model.Reading.Canonical), then checks the stations exist and inserts
// them all in one transaction: on any problem it returns an *InvalidError
// naming each bad reading (its index in readings) and writes nothing. A
// reading already stored with the same measurement, or repeated within
// the call, is skipped and counted as a duplicate, so a feed can re-send a
// batch whose acknowledgement it lost; one with another value is a
// *model.ConflictError (both values), within the *InvalidError, and
// nothing is written. It returns only after COMMIT: an acknowledged
// reading survives a crash of this process or of the database server.
func IngestReadings(ctx context.Context, pool *pgxpool.Pool, readings []model.Reading) (inserted, duplicates int, err error) {
	if len(readings) == 0 {
		return 0, 0, nil
	}
	if len(readings) > MaxIngestBatch {
		return 0, 0, ErrBatchTooLarge
	}
	canon, err := validateReadings(readings)
	if err != nil {
		return 0, 0, &InvalidError{Err: err}
	}
	batch, _, err := model.SortNew(canon, func(model.ReadingKey) (*model.Reading, bool) { return nil, false })
	if err != nil {
		return 0, 0, &InvalidError{Err: err}
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := missingStations(ctx, tx, readings); err != nil {
			return err
		}
		if err := prepareReadingsWrite(ctx, tx, len(batch), func(i int) time.Time { return batch[i].Time }); err != nil {
			return err
		}
		n, err := insertNew(ctx, tx, batch)
		if err != nil || n == 0 {
			return err
		}
		inserted = n
		return notifyMark(ctx, tx, ReadingsChannel, readingsSeqSQL)
	})
	if err != nil {
		var inv *InvalidError
		if errors.As(err, &inv) {
			return 0, 0, inv
		}
		return 0, 0, wrap("ingest readings", err)
	}
	return inserted, len(readings) - inserted, nil
}

// prepareReadingsWrite readies tx to add n readings at times at(i): it
// takes the writers' lock (seq order is commit order, see
// lockReadingWriters) and creates the month partitions they need.
func prepareReadingsWrite(ctx context.Context, tx pgx.Tx, n int, at func(i int) time.Time) error {
	if err := lockReadingWriters(ctx, tx); err != nil {
		return err
	}
	return ensureMonths(ctx, tx, "readings", n, at)
}

// missingStations refuses readings of stations the store lacks.
func missingStations(ctx context.Context, tx pgx.Tx, readings []model.Reading) error {
	seen := map[string]bool{}
	var ids []string
	for _, r := range readings {
		if !seen[r.Station] {
			seen[r.Station] = true
			ids = append(ids, r.Station)
		}
	}
	rows, err := tx.Query(ctx, "select s from unnest($1::text[]) s where not exists (select 1 from stations where station_id = s)", ids)
	if err != nil {
		return err
	}
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(missing) == 0 {
		return err
	}
	var errs []error
	for i, r := range readings {
		if len(errs) < 50 && slices.Contains(missing, r.Station) {
			errs = append(errs, &model.FieldError{File: model.FileReadings, Record: i, Column: "station_id", Value: r.Station, Err: errors.New("no such station in the store")})
		}
	}
	return &InvalidError{Err: errors.Join(errs...)}
}

// insertNew inserts the batch (unique keys). When some were stored
// already, it reads the stored values of the batch's keys back, after the
// insert and in its transaction: each is the batch's own reading (just
// inserted), the same measurement sent again, or a conflict that refuses
// the whole batch.
func insertNew(ctx context.Context, tx pgx.Tx, batch []model.Reading) (int, error) {
	n := len(batch)
	var (
		station, par, unit, flowUnit, note = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		sampleID, method, lab, accr, qa    = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		at                                 = make([]time.Time, n)
		off                                = make([]int32, n)
		value, flow                        = make([]float64, n), make([]float64, n)
		censored                           = make([]bool, n)
		withSamples                        bool
	)
	for i, r := range batch {
		_, o := r.Time.Zone()
		station[i], at[i], off[i], par[i], value[i], unit[i] = r.Station, r.Time, int32(o), r.Parameter, r.Value, r.Unit
		censored[i], flow[i], flowUnit[i], note[i] = r.Censored, r.Flow, r.FlowUnit, r.Note
		sampleID[i], method[i], lab[i], accr[i], qa[i] = r.Sample.ID, r.Sample.Method, r.Sample.Lab, r.Sample.Accreditation, r.Sample.QA
		withSamples = withSamples || r.Sample != (model.Sample{})
	}
	args := []any{station, at, off, par, value, unit, censored, flow, flowUnit, note}
	q := ingestSQL
	if withSamples {
		q, args = ingestSampleSQL, append(args, sampleID, method, lab, accr, qa)
	}
	tag, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	inserted := int(tag.RowsAffected())
	if inserted == n {
		return n, nil
	}
	stored, err := storedReadings(ctx, tx, batch)
	if err != nil {
		return 0, err
	}
	if _, _, err := model.SortNew(batch, func(k model.ReadingKey) (*model.Reading, bool) {
		r, ok := stored[k]
		return r, ok
	}); err != nil {
		return 0, &InvalidError{Err: err}
	}
	return inserted, nil
}

// storedReadings reads the stored readings with the keys of rs.
func storedReadings(ctx context.Context, tx pgx.Tx, rs []model.Reading) (map[model.ReadingKey]*model.Reading, error) {
	st, at, par := make([]string, len(rs)), make([]time.Time, len(rs)), make([]string, len(rs))
	for i, r := range rs {
		st[i], at[i], par[i] = r.Station, r.Time, r.Parameter
	}
	rows, err := tx.Query(ctx, storedSQL, st, at, par)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[model.ReadingKey]*model.Reading{}
	for rows.Next() {
		var r model.Reading
		var off int32
		if err := rows.Scan(&r.Station, &r.Time, &off, &r.Parameter, &r.Value, &r.Unit, &r.Censored); err != nil {
			return nil, err
		}
		r.Time = inOffset(r.Time, int(off))
		out[model.KeyOf(&r)] = &r
	}
	return out, rows.Err()
}
