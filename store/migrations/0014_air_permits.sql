-- Air permits, fuel declarations, CEMS records, rainy hours and the
-- bureau's emission factors (tracing/airpermit; the data-directory files
-- air_permits.csv, fuel_declarations.csv, cems.csv, rainfall.csv and
-- emission_factors.csv, docs/data-directory.md). Values are stored as the
-- reader normalised them: permitted rates in kg/h, capacities and fuel
-- amounts in the fuel's base unit (m³ or kg), percentages as percent,
-- control efficiency as a fraction; CEMS values in their reported unit and
-- basis with their status code. seq keeps the files' order, which the
-- report's order of equal findings follows.
create table air_permits (
	seq            bigserial not null,
	ems_no         text not null,
	per_no         text not null,
	process_id     text not null default '',
	stack_id       text not null,
	industry       text not null default '',
	pollutant      text not null,
	permitted_kg_h double precision not null check (permitted_kg_h >= 0),
	capacity       double precision not null check (capacity >= 0),
	fuel           text not null,
	sulphur_pct    double precision not null default 0,
	valid_from     date,
	valid_to       date,
	primary key (ems_no, per_no, process_id, stack_id, pollutant)
);

create table fuel_declarations (
	seq                bigserial not null,
	ems_no             text not null,
	stack_id           text not null,
	industry           text not null default '',
	period_start       date not null,
	period_end         date not null check (period_end >= period_start),
	fuel               text not null,
	fuel_amount        double precision not null,
	sulphur_pct        double precision not null default 0,
	control_efficiency double precision not null default 0 check (control_efficiency between 0 and 1),
	production         double precision not null default 0,
	production_unit    text not null default '',
	declared_so2_kg    double precision check (declared_so2_kg >= 0),
	primary key (ems_no, stack_id, period_start, period_end, fuel)
);

create table cems_records (
	seq        bigserial not null,
	ems_no     text not null,
	stack_id   text not null,
	time       timestamptz not null,
	parameter  text not null,
	value      double precision not null,
	unit       text not null,
	status     smallint not null,
	dry        boolean not null default true,
	o2_ref_pct double precision not null default 0,
	primary key (ems_no, stack_id, time, parameter)
);

-- Hours with at least airpermit.RainyMM of rain (the stealth-emission
-- rule's rainy hours).
create table rainy_hours (
	hour timestamptz primary key
);

create table emission_factors (
	fuel            text not null,
	base_unit       text not null,
	pollutant       text not null,
	kg_per_base     double precision not null check (kg_per_base >= 0),
	per_sulphur_pct boolean not null,
	source          text not null check (source <> ''),
	primary key (fuel, pollutant)
);
