-- Readings at IoT volume, and replicas that follow them (docs/postgis.md,
-- docs/deployment.md).
--
-- readings becomes a table partitioned by month on time (declarative range
-- partitioning, as sensor_readings in 0004): a month is one partition that
-- queries by time prune to and that can be detached or archived whole. The
-- store creates each month's partition before it writes readings into it
-- (store.IngestReadings, store.ImportDataset). The unique key
-- (station_id, time, parameter) includes the partition key, as PostgreSQL
-- requires, so ingest stays idempotent with ON CONFLICT.
--
-- The existing rows move in this one transaction: if anything fails,
-- readings stays as it was. The move takes an exclusive lock on readings
-- for its duration (ingest waits; about 1 s per million rows here).
--
-- seq keeps its values and keeps growing from the largest one: replicas
-- follow new readings by seq (readings_seq). PostgreSQL 15 has no identity
-- columns on partitioned tables, so seq takes its default from a sequence.
alter table readings rename to readings_unpartitioned;
alter table readings_unpartitioned rename constraint readings_station_time_parameter to readings_unpartitioned_key;
alter index readings_parameter_time rename to readings_unpartitioned_parameter_time;

create sequence readings_seq_seq_by_month as bigint;

create table readings (
    seq           bigint not null default nextval('readings_seq_seq_by_month'),
    station_id    text not null references stations (station_id),
    time          timestamptz not null,
    utc_offset    integer not null default 0,
    parameter     text not null,
    value         double precision not null,
    unit          text not null,
    censored      boolean not null default false,
    flow          double precision not null default 0,
    flow_unit     text not null default '',
    note          text not null default '',
    ingested_at   timestamptz not null default now(),
    sample_id     text not null default '',
    method        text not null default '',
    lab           text not null default '',
    accreditation text not null default '',
    qa_flag       text not null default '' check (qa_flag in ('', 'valid', 'qualified', 'invalid')),
    constraint readings_station_time_parameter unique (station_id, time, parameter)
) partition by range (time);
alter sequence readings_seq_seq_by_month owned by readings.seq;

create index readings_parameter_time on readings (parameter, time);
create index readings_seq on readings (seq);

-- One partition per month that holds readings, named readings_YYYYMM
-- after the month in UTC (store.readingPartition builds the same names).
do $$
declare m timestamptz;
begin
    for m in select distinct date_trunc('month', time at time zone 'UTC') at time zone 'UTC' from readings_unpartitioned loop
        execute format('create table %I partition of readings for values from (%L) to (%L)',
            'readings_' || to_char(m at time zone 'UTC', 'YYYYMM'), m, (m at time zone 'UTC' + interval '1 month') at time zone 'UTC');
    end loop;
end $$;

insert into readings (seq, station_id, time, utc_offset, parameter, value, unit, censored, flow, flow_unit, note,
    ingested_at, sample_id, method, lab, accreditation, qa_flag)
select seq, station_id, time, utc_offset, parameter, value, unit, censored, flow, flow_unit, note,
    ingested_at, sample_id, method, lab, accreditation, qa_flag
from readings_unpartitioned order by seq;

select setval('readings_seq_seq_by_month', coalesce((select max(seq) from readings_unpartitioned), 0) + 1, false);

drop table readings_unpartitioned;
alter sequence readings_seq_seq_by_month rename to readings_seq_seq;
