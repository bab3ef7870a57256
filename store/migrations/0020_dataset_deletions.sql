-- Running `serve --db` replicas learn of readings and records deleted by
-- hand (an import never deletes), as they follow what imports add
-- (migrations 0009, 0018). Documented in docs/postgis.md and
-- docs/deployment.md.
--
-- A statement that deletes rows from readings, facilities, outfalls,
-- permits, permit_limits, reports or stations, or truncates one of them,
-- adds a row to dataset_deletions and notifies envtrace_deletions with the
-- table's name at COMMIT. The rev is the replicas' high-water mark: one
-- that missed the notification (disconnected) finds the row on its next
-- catch-up and loads the dataset again. A DELETE that matched no row is
-- not noted. The triggers are statement-level: a bulk delete costs one row
-- here, not one per row deleted. Readings are partitioned by month
-- (0009): a statement on the readings table is seen, one addressed to a
-- month partition itself (or dropping or detaching one) is not.
create table dataset_deletions (
    rev        bigserial primary key,
    table_name text not null,
    deleted_at timestamptz not null default now()
);

create function envtrace_note_deletion() returns trigger language plpgsql as $$
begin
    if TG_OP = 'DELETE' then
        if not exists (select 1 from deleted_rows) then
            return null;
        end if;
    end if;
    insert into dataset_deletions (table_name) values (TG_TABLE_NAME);
    perform pg_notify('envtrace_deletions', TG_TABLE_NAME);
    return null;
end
$$;

create trigger readings_deleted after delete on readings
    referencing old table as deleted_rows for each statement execute function envtrace_note_deletion();
create trigger readings_truncated after truncate on readings
    for each statement execute function envtrace_note_deletion();
create trigger facilities_deleted after delete on facilities
    referencing old table as deleted_rows for each statement execute function envtrace_note_deletion();
create trigger facilities_truncated after truncate on facilities
    for each statement execute function envtrace_note_deletion();
create trigger outfalls_deleted after delete on outfalls
    referencing old table as deleted_rows for each statement execute function envtrace_note_deletion();
create trigger outfalls_truncated after truncate on outfalls
    for each statement execute function envtrace_note_deletion();
create trigger permits_deleted after delete on permits
    referencing old table as deleted_rows for each statement execute function envtrace_note_deletion();
create trigger permits_truncated after truncate on permits
    for each statement execute function envtrace_note_deletion();
create trigger permit_limits_deleted after delete on permit_limits
    referencing old table as deleted_rows for each statement execute function envtrace_note_deletion();
create trigger permit_limits_truncated after truncate on permit_limits
    for each statement execute function envtrace_note_deletion();
create trigger reports_deleted after delete on reports
    referencing old table as deleted_rows for each statement execute function envtrace_note_deletion();
create trigger reports_truncated after truncate on reports
    for each statement execute function envtrace_note_deletion();
create trigger stations_deleted after delete on stations
    referencing old table as deleted_rows for each statement execute function envtrace_note_deletion();
create trigger stations_truncated after truncate on stations
    for each statement execute function envtrace_note_deletion();
