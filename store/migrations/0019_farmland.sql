-- The farmland desk's irrigation system (tracing/farmland): intake gates,
-- the irrigated areas they water, reach mean flows and canal (搭排)
-- permits, as a data directory's irrigation_intakes.csv,
-- irrigated_areas.geojson, reach_flows.csv and canal_permits.csv hold
-- them, so that `serve --db` serves the farmland desk. Documented in
-- docs/farmland.md and docs/postgis.md.
--
-- The four layers refer to one another (an area names its intakes), so an
-- import replaces them together: every row carries the rev of the import
-- that stored it (farmland_imports), and ord keeps the files' order, which
-- the desk's answers keep. Geometry is TWD97 / TM2 zone 121 (EPSG:3826).
create table farmland_imports (
    rev         bigserial primary key,
    source      text not null,
    imported_at timestamptz not null default now()
);

create table farmland_intakes (
    id           text primary key check (id <> ''),
    ord          integer not null,
    name         text not null,
    reach_id     text not null check (reach_id <> ''),
    capacity_m3s double precision not null default 0 check (capacity_m3s >= 0),
    office       text not null,
    contact      text not null,
    email        text not null default '',
    rev          bigint not null references farmland_imports (rev),
    geom         geometry(Point, 3826) not null
);
create index farmland_intakes_geom_gist on farmland_intakes using gist (geom);

create table farmland_areas (
    id                 text primary key check (id <> ''),
    ord                integer not null,
    intake_ids         text[] not null check (cardinality(intake_ids) > 0),
    area_ha            double precision not null check (area_ha > 0),
    crops              text not null default '',
    depth_m            double precision not null default 0 check (depth_m >= 0),          -- 0: not given
    bulk_density       double precision not null default 0 check (bulk_density >= 0),     -- g/cm³; 0: not given
    irrigation_m3_ha_y double precision not null default 0 check (irrigation_m3_ha_y >= 0), -- 0: not given
    soil               jsonb not null default '{}',                                        -- mg/kg by parameter id
    rev                bigint not null references farmland_imports (rev),
    geom               geometry(Geometry, 3826) not null
                       check (geometrytype(geom) in ('POLYGON', 'MULTIPOLYGON'))
);
create index farmland_areas_geom_gist on farmland_areas using gist (geom);

create table farmland_reach_flows (
    reach_id text primary key check (reach_id <> ''),
    flow_m3s double precision not null check (flow_m3s > 0),  -- m³/s (qa_ma converted from ft³/s on import)
    rev      bigint not null references farmland_imports (rev)
);

create table farmland_canal_permits (
    ord        integer primary key,
    permit_no  text not null,
    ems_no     text not null,
    let        text not null default '',
    reach_id   text not null,
    agency     text not null,
    valid_from date not null,
    valid_to   date not null check (valid_to >= valid_from),
    rev        bigint not null references farmland_imports (rev)
);
