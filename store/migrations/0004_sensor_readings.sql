-- Air-quality micro-sensors and their readings (tracing/sensor). Readings
-- arrive every few minutes from thousands of sensors, so the table is
-- partitioned by month on time (declarative range partitioning); the store
-- creates each month's partition before it copies readings into it
-- (store.IngestSensorReadings), and old months can be detached or dropped
-- whole. The primary key includes the partition key, as PostgreSQL
-- requires, and makes a re-sent reading a duplicate.
create table sensors (
	device_id text primary key,
	kind      text not null check (kind in ('airbox', 'lcs', 'reference')),
	lon       double precision not null,
	lat       double precision not null,
	geom      geometry(Point, 3826) not null
);
create index sensors_geom_idx on sensors using gist (geom);

create table sensor_readings (
	device_id text not null references sensors (device_id),
	time      timestamptz not null,
	parameter text not null,
	value     double precision not null,
	unit      text not null,
	primary key (device_id, time, parameter)
) partition by range (time);
