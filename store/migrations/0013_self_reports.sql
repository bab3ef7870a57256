-- Facility self-reports and corrective actions (casework/inspection,
-- the facility portal). Documented in docs/postgis.md and
-- docs/inspection.md.
--
-- The columns hold what queries filter on; doc holds the whole
-- self-report as the application sees it, with its decision history.
-- A decision is final: the trigger refuses to change or delete a
-- self-report that is no longer 'submitted', whoever writes the SQL.
create table self_reports (
    id           text primary key check (id ~ '^SR-[0-9]{8}-[0-9a-f]{16}$'),
    ems_no       text not null check (ems_no <> ''),
    kind         text not null check (kind in ('monitoring', 'corrective_action')),
    status       text not null check (status in ('submitted', 'accepted', 'rejected')),
    submitted_at timestamptz not null,
    doc          jsonb not null
);
create index self_reports_facility_time on self_reports (ems_no, submitted_at);
create index self_reports_open on self_reports (submitted_at) where status = 'submitted';

create function self_reports_final() returns trigger language plpgsql as $$
begin
    if old.status <> 'submitted' then
        raise exception 'self-report % was % and is final', old.id, old.status using errcode = 'check_violation';
    end if;
    if tg_op = 'DELETE' then
        return old;
    end if;
    return new;
end $$;
create trigger self_reports_final before update or delete on self_reports
    for each row execute function self_reports_final();
