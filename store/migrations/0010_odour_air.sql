-- Odour petitions, weather and air-quality monitors, wind observations and
-- monitor readings (tracing/odour, atmos, tracing/air; the data-directory
-- files petitions.csv, monitors.csv, wind.csv and air_readings.csv).
-- Locations are stored in lon/lat (EPSG:4326), since the data need not be
-- in Taiwan (the Smell Pittsburgh test data); distances are computed on a
-- local grid after loading. NaN measurements are stored as NULL.
create table monitors (
	monitor_id text primary key,
	name       text not null,
	kind       text not null check (kind in ('weather', 'air', 'both')),
	altitude_m double precision,
	note       text not null default '',
	geom       geometry(Point, 4326) not null
);
create index monitors_geom_idx on monitors using gist (geom);

create table wind_observations (
	monitor_id  text not null references monitors (monitor_id),
	time        timestamptz not null,
	speed       double precision,
	direction   double precision check (direction >= 0 and direction < 360),
	sigma_theta double precision,
	flag        text not null default '',
	primary key (monitor_id, time)
);

create table air_readings (
	monitor_id text not null references monitors (monitor_id),
	time       timestamptz not null,
	parameter  text not null,
	value      double precision not null,
	unit       text not null,
	flag       text not null default '',
	primary key (monitor_id, time, parameter)
);

-- A petition's exact location is personal data: it is read by analysis
-- and by staff views only; public views shift it (casework/petition). The
-- petitioner's contact and address are stored sealed (AES-GCM by the
-- desk's key), never in clear.
create table petitions (
	petition_id    text primary key,
	time           timestamptz not null,
	category       text not null,
	intensity      smallint not null check (intensity between 0 and 6),
	hedonic        smallint check (hedonic between -4 and 4),
	duration       text not null default '',
	channel        text not null default '',
	description    text not null default '',
	geom           geometry(Point, 4326) not null,
	contact_sealed bytea
);
create index petitions_time_idx on petitions (time);
create index petitions_geom_idx on petitions using gist (geom);
