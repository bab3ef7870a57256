-- envtrace system-of-record schema, version 1.
-- Documented for SQL users in docs/postgis.md. Applied by store.Migrate inside
-- one transaction; never edit this file once released: add a new numbered
-- migration instead (Migrate refuses to run when an applied file changed).

create extension if not exists postgis;

-- River networks --------------------------------------------------------------

-- One row per network. Several networks (a basin at several levels of detail,
-- or NHDPlus test basins beside Taiwan's rivers) coexist, keyed by name.
-- Geometry keeps the CRS of the file it came from (srid), so that coordinates,
-- lengths and line-end snapping computed from the stored geometry equal those
-- computed from the file.
create table networks (
    name        text primary key check (name <> ''),
    srid        integer not null check (srid >= 0),
    topology    text not null,              -- what the reaches carry: nhdplus, toid, fromnode/tonode or geometry
    reach_count integer not null,
    imported_at timestamptz not null default now(),
    labelled_at timestamptz,                -- when store.WriteLabels last wrote the labels; null = none or stale
    unique (name, srid)
);

create table reaches (
    network        text not null references networks (name) on delete cascade,
    id             text not null check (id <> ''),
    ord            integer not null,        -- position in the source: the builder breaks ties by input order
    name           text not null default '',
    geom           geometry(LineString),    -- digitised upstream to downstream, in networks.srid
    geom_srid      integer generated always as (st_srid(geom)) stored,

    -- Topology as the source gave it.
    toids          text[] not null default '{}',
    fromnode       text,
    tonode         text,
    hydroseq       double precision,        -- NHDPlus value-added attributes: all null, or all set
    dnhydroseq     double precision,
    dnminorhyd     double precision,
    uphydroseq     double precision,
    levelpathid    double precision,
    terminalpathid double precision,
    pathlength_km  double precision,
    startflag      smallint,
    terminalflag   smallint,
    fcode          integer,
    length_km      double precision,        -- null = compute from geom
    velocity_fps   double precision,        -- NHDPlus VE_MA; null = default by stream order
    stream_order   smallint,                -- null = not given
    totdasqkm      double precision,
    divergence     smallint not null default 0,

    -- Labels computed by the network engine (store.WriteLabels); null until written
    -- and cleared whenever an import changes the network.
    idx_lo             integer,             -- upstream interval [idx_lo, idx_hi) of the pre-order index
    idx_hi             integer,
    calc_down          text,                -- main downstream reach id, null at an outlet
    calc_hydroseq      bigint,
    calc_levelpath     bigint,
    calc_terminalpath  bigint,
    calc_pathlength_km double precision,
    calc_length_km     double precision,
    calc_arbolate_km   double precision,
    calc_strahler      smallint,
    calc_startflag     boolean,
    calc_terminalflag  boolean,
    calc_velocity_ms   double precision,
    calc_travel_hours  double precision,

    primary key (network, id),
    -- Every geometry is in its network's CRS.
    foreign key (network, geom_srid) references networks (name, srid),
    check ((hydroseq is null) = (pathlength_km is null)),
    check ((idx_lo is null) = (idx_hi is null) and idx_hi > idx_lo)
);
create index reaches_geom_gist on reaches using gist (geom);
-- "What is upstream of X" is a range scan on this index (docs/postgis.md).
create index reaches_network_idx_lo on reaches (network, idx_lo);
create index reaches_network_hydroseq on reaches (network, hydroseq);

-- Minor-divergence edges of the built network: water leaving from_id for to_id
-- off the main path. The upstream interval of a reach covers its main-path tree
-- only; a complete upstream trace also climbs these edges (docs/postgis.md).
create table reach_minor_edges (
    network  text not null,
    from_id  text not null,
    to_id    text not null,
    from_lo  integer not null,              -- from_id's upstream interval
    from_hi  integer not null,
    to_idx   integer not null,              -- to_id's idx_lo
    upstream boolean not null,              -- upstream navigation (UT) climbs this edge
    primary key (network, from_id, to_id),
    foreign key (network, from_id) references reaches (network, id) on delete cascade,
    foreign key (network, to_id) references reaches (network, id) on delete cascade
);
create index reach_minor_edges_to_idx on reach_minor_edges (network, to_idx);

-- Enforcement data (the data directory of docs/data-directory.md) ---------------
-- Points are TWD97 / TM2 zone 121 (EPSG:3826) metres, like the data directory.
-- seq records first-insertion order, which store.LoadDataset returns.
-- Optional text is '' rather than null, as in the files.

create table facilities (
    seq             bigint generated always as identity,
    ems_no          text primary key check (ems_no <> ''),
    name            text not null check (name <> ''),
    industry        text not null default '',
    location        geometry(Point, 3826),
    receiving_water text not null default '',
    note            text not null default ''
);
create index facilities_location_gist on facilities using gist (location);

create table outfalls (
    seq             bigint generated always as identity,
    ems_no          text not null references facilities (ems_no),
    let             text not null check (let <> ''),
    location        geometry(Point, 3826) not null,
    receiving_water text not null default '',
    note            text not null default '',
    primary key (ems_no, let)
);
create index outfalls_location_gist on outfalls using gist (location);

create table permits (
    seq                    bigint generated always as identity,
    per_no                 text primary key check (per_no <> ''),
    ems_no                 text not null references facilities (ems_no),
    valid_from             date not null,
    valid_to               date not null check (valid_to >= valid_from),
    per_type               text not null default '',
    max_daily_m3           double precision not null check (max_daily_m3 > 0),
    intake_source          text not null default '',
    intake_m3d             double precision,
    treatment_capacity_m3d double precision,
    note                   text not null default ''
);
create index permits_ems_no on permits (ems_no);

create table permit_limits (
    seq         bigint generated always as identity,
    per_no      text not null references permits (per_no),
    let         text not null default '',   -- '' = every outfall of the permit
    parameter   text not null,
    value       double precision not null,
    unit        text not null default '',
    stat_base   text not null,
    bound       text not null check (bound in ('upper', 'lower')),
    report_only boolean not null default false,
    note        text not null default '',
    primary key (per_no, let, parameter, stat_base, bound)
);

create table reports (
    seq          bigint generated always as identity,
    ems_no       text not null references facilities (ems_no),
    per_no       text not null default '',
    let          text not null default '',
    period_start date not null,
    period_end   date not null check (period_end >= period_start),
    parameter    text not null,
    value        double precision not null,
    unit         text not null default '',
    stat_base    text not null,
    censored     boolean not null default false,
    no_data      text not null default '',
    flow         double precision not null default 0,
    flow_unit    text not null default '',  -- '' = no flow reported
    note         text not null default '',
    primary key (ems_no, per_no, let, period_start, period_end, parameter, stat_base)
);
create index reports_parameter_period on reports (parameter, period_end);

create table stations (
    seq        bigint generated always as identity,
    station_id text primary key check (station_id <> ''),
    name       text not null check (name <> ''),
    kind       text not null check (kind in ('fixed', 'continuous')),
    location   geometry(Point, 3826) not null,
    river      text not null default '',
    note       text not null default ''
);
create index stations_location_gist on stations using gist (location);

create table readings (
    seq         bigint generated always as identity,
    station_id  text not null references stations (station_id),
    time        timestamptz not null,
    utc_offset  integer not null default 0, -- seconds east of UTC the time was written in (timestamptz keeps the instant only)
    parameter   text not null,              -- tracing/param id
    value       double precision not null,  -- the detection limit when censored
    unit        text not null,              -- canonical unit symbol
    censored    boolean not null default false,
    flow        double precision not null default 0,
    flow_unit   text not null default '',   -- '' = no flow measured
    note        text not null default '',
    ingested_at timestamptz not null default now(),
    -- One value per station, instant and parameter: ingest is idempotent.
    constraint readings_station_time_parameter unique (station_id, time, parameter)
);
create index readings_parameter_time on readings (parameter, time);
