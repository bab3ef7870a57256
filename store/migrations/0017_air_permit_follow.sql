-- The air-permit tables of 0014 are followed by every `serve --db`
-- replica (LISTEN envtrace_air_permits, as readings and petitions are):
-- one sequence numbers every row added to any of them (and every emission
-- factor a bureau changes), so that one high-water mark says what a
-- replica holds. Writers take the sequence's values under an advisory
-- lock, so rows commit in seq order and a follower that has applied
-- everything up to seq N never later meets a row below N. Documented in
-- docs/air.md and docs/postgis.md.
create sequence air_data_seq;
select setval('air_data_seq', greatest(
	(select coalesce(max(seq), 0) from air_permits),
	(select coalesce(max(seq), 0) from fuel_declarations),
	(select coalesce(max(seq), 0) from cems_records)) + 1, false);

alter table air_permits alter column seq set default nextval('air_data_seq');
alter table fuel_declarations alter column seq set default nextval('air_data_seq');
alter table cems_records alter column seq set default nextval('air_data_seq');
drop sequence air_permits_seq_seq;
drop sequence fuel_declarations_seq_seq;
drop sequence cems_records_seq_seq;

alter table rainy_hours add column seq bigint not null default nextval('air_data_seq');
alter table emission_factors add column seq bigint not null default nextval('air_data_seq');

create index air_permits_seq_idx on air_permits (seq);
create index fuel_declarations_seq_idx on fuel_declarations (seq);
create index cems_records_seq_idx on cems_records (seq);
create index rainy_hours_seq_idx on rainy_hours (seq);
create index emission_factors_seq_idx on emission_factors (seq);
