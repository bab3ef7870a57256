-- Running `serve --db` replicas follow the data directory's other records
-- and corrected readings, as they follow new readings (migration 0009) and
-- air permits (0017). Documented in docs/postgis.md and docs/deployment.md.
--
-- Facilities, outfalls, permits, permit_limits, reports and stations: one
-- sequence numbers every version of a record. A row takes a new rev when it
-- is inserted and again whenever an import changes it, so one high-water
-- mark says what a replica holds (LISTEN envtrace_dataset). Writers take
-- rev values under the advisory lock 'envtrace dataset writers', so they
-- commit in rev order and a follower at mark N never later meets a change
-- below N.
create sequence dataset_rev;

alter table facilities add column rev bigint not null default nextval('dataset_rev');
alter table outfalls add column rev bigint not null default nextval('dataset_rev');
alter table permits add column rev bigint not null default nextval('dataset_rev');
alter table permit_limits add column rev bigint not null default nextval('dataset_rev');
alter table reports add column rev bigint not null default nextval('dataset_rev');
alter table stations add column rev bigint not null default nextval('dataset_rev');

create index facilities_rev_idx on facilities (rev);
create index outfalls_rev_idx on outfalls (rev);
create index permits_rev_idx on permits (rev);
create index permit_limits_rev_idx on permit_limits (rev);
create index reports_rev_idx on reports (rev);
create index stations_rev_idx on stations (rev);

-- A reading keeps its seq (the order of the readings feed); a re-import
-- that changes its value gives it the next corrected_rev, drawn under the
-- readings writers' lock, and the readings follower applies the new value
-- (LISTEN envtrace_readings). The column is null until then, so adding it
-- rewrites no partition, and the partial index holds corrected rows only.
create sequence readings_corrected_rev;
alter table readings add column corrected_rev bigint;
create index readings_corrected_rev_idx on readings (corrected_rev) where corrected_rev is not null;
