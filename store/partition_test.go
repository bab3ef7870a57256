package store_test

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/envtrace/envtrace/gis/postgis"
	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/store/storetest"
	"github.com/envtrace/envtrace/tracing/model"
)

// readingsMonthsVersion is the migration that partitions readings by month.
const readingsMonthsVersion = 9

// TestReadingsPartitionMigration stores readings over fourteen months in
// the unpartitioned table of the schema before migration 0009, migrates,
// and checks that every row (seq, instant, offset, laboratory record) is
// unchanged, each month is a partition, new readings continue the seq
// and a reading in a month without a partition gets one.
func TestReadingsPartitionMigration(t *testing.T) {
	ctx := context.Background()
	pool := storetest.Pool(t, postgis.Options{})
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{}
	for _, m := range ms {
		if m.Version < readingsMonthsVersion {
			older["migrations/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	if err := store.MigrateFrom(ctx, pool, older); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `insert into stations (station_id, name, kind, location)
		values ('S1', 'one', 'fixed', st_setsrid(st_makepoint(210000, 2670000), 3826))`); err != nil {
		t.Fatal(err)
	}
	// 2,000 readings every 5 hours from 2025-12-31 22:00 UTC (across a
	// year's end, in one month in UTC and the next in Taipei), some with a
	// laboratory record.
	if _, err := pool.Exec(ctx, `insert into readings (station_id, time, utc_offset, parameter, value, unit, sample_id, qa_flag)
		select 'S1', timestamptz '2025-12-31 22:00:00+00' + g * interval '5 hours', case when g % 2 = 0 then 28800 else 0 end,
			'NH3-N', g / 100.0, 'mg/L', case when g % 7 = 0 then 'LAB-' || g else '' end, case when g % 7 = 0 then 'valid' else '' end
		from generate_series(0, 1999) g`); err != nil {
		t.Fatal(err)
	}
	// Rows deleted before the migration leave gaps in seq, which it keeps.
	if _, err := pool.Exec(ctx, `delete from readings where value between 3 and 3.5`); err != nil {
		t.Fatal(err)
	}
	n0, content0, _ := tableChecksum(t, pool, "readings", "seq")
	var months, maxSeq int64
	if err := pool.QueryRow(ctx, `select count(distinct date_trunc('month', time at time zone 'UTC')), max(seq) from readings`).Scan(&months, &maxSeq); err != nil {
		t.Fatal(err)
	}

	// Up to the partitioning only: later migrations add columns, which
	// change every row's text.
	upto := fstest.MapFS{}
	for _, m := range ms {
		if m.Version <= readingsMonthsVersion {
			upto["migrations/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	if err := store.MigrateFrom(ctx, pool, upto); err != nil {
		t.Fatal(err)
	}
	n1, content1, _ := tableChecksum(t, pool, "readings", "seq")
	if n1 != n0 || content1 != content0 {
		t.Fatalf("readings changed in the migration: %d rows (%s), then %d (%s)", n0, content0, n1, content1)
	}
	if err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := store.Ready(ctx, pool); err != nil {
		t.Fatal(err)
	}
	var kind string
	var parts int64
	if err := pool.QueryRow(ctx, `select c.relkind::text, (select count(*) from pg_inherits where inhparent = c.oid)
		from pg_class c where c.relname = 'readings'`).Scan(&kind, &parts); err != nil {
		t.Fatal(err)
	}
	if kind != "p" || parts != months {
		t.Fatalf("readings: relkind %q with %d partitions, want a partitioned table with %d", kind, parts, months)
	}

	// New readings: one in a migrated month, one in a month that has no
	// partition yet.
	batch := []model.Reading{
		{Station: "S1", Time: time.Date(2026, 3, 1, 0, 30, 0, 0, time.UTC), Parameter: "NH3-N", Value: 0.5, Unit: "mg/L"},
		{Station: "S1", Time: time.Date(2031, 7, 1, 0, 0, 0, 0, time.FixedZone("", 8*3600)), Parameter: "NH3-N", Value: 0.6, Unit: "mg/L"},
	}
	if ins, _, err := store.IngestReadings(ctx, pool, batch); err != nil || ins != 2 {
		t.Fatalf("ingest after the migration: %d inserted, %v", ins, err)
	}
	var minNew int64
	var part string
	if err := pool.QueryRow(ctx, `select min(seq), (select tableoid::regclass::text from readings where time = '2031-06-30 16:00:00+00')
		from readings where seq > $1`, maxSeq).Scan(&minNew, &part); err != nil {
		t.Fatal(err)
	}
	if minNew <= maxSeq || part != "readings_203106" {
		t.Errorf("new readings: first new seq %d after %d, the 2031 reading in %q (want readings_203106, the month in UTC)", minNew, maxSeq, part)
	}
}
