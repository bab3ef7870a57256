-- Inspection records (casework/inspection): findings, samples with their
-- laboratory results, violations and penalties. Documented in
-- docs/postgis.md and docs/inspection.md.
--
-- The columns hold what calibration and queries filter on; doc holds the
-- whole record as the application sees it. selection and propensity say
-- how the inspection was chosen: the risk model weights each outcome by
-- 1/propensity (the random share of a plan has a known probability).
create table inspections (
    id           text primary key check (id ~ '^I-[0-9]{8}-[0-9A-Za-z]{1,32}$'),
    ems_no       text not null check (ems_no <> ''),
    inspected_at timestamptz not null,
    selection    text not null check (selection in ('random', 'risk', 'complaint', 'routine')),
    propensity   double precision not null check (propensity >= 0 and propensity <= 1),
    violated     boolean not null,
    doc          jsonb not null
);
create index inspections_facility_time on inspections (ems_no, inspected_at);
