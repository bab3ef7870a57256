-- The audit trail (access/audit) and the restricted personal data
-- (access/privacy). Documented in docs/access.md, "Audit and privacy".

-- One row per audited request. hmac = HMAC-SHA256(key kept outside the
-- database, content || previous row's hmac): see audit.MAC. seq is gapless:
-- the recorder numbers rows inside the transaction that inserts them,
-- under an advisory lock, so a failed commit leaves no hole.
create table audit_log (
    seq            bigint primary key check (seq > 0),
    actor          text not null,
    role           text not null,
    action         text not null,
    resource       text not null,
    request_id     text not null,
    client_addr    text not null,
    at             timestamptz not null,
    allowed        boolean not null,
    request_digest bytea,
    result_digest  bytea,
    hmac           bytea not null check (length(hmac) = 32)
);
create index audit_log_at on audit_log (at);
create index audit_log_actor on audit_log (actor, seq);

-- Append-only: no role gets UPDATE, DELETE or TRUNCATE, and triggers refuse
-- them even for the owner. (A superuser can still disable the triggers:
-- that is what the keyed chain and the exported checkpoints detect.)
revoke update, delete, truncate on audit_log from public;
create function audit_log_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only: % refused', tg_op
        using errcode = 'insufficient_privilege';
end
$$;
create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_append_only();

-- Contacts (names, phones, e-mails) of reporters and petitioners, sealed
-- with AES-GCM (privacy.Keyring; the key id travels inside sealed). subject
-- is a keyed blind index of the normalised contact, so that an erasure
-- request finds a person's records without the contact in clear.
create table personal_contacts (
    kind         text not null,
    record_id    text not null,
    subject      text not null,
    sealed       bytea not null,
    collected_at timestamptz not null,
    primary key (kind, record_id)
);
create index personal_contacts_subject on personal_contacts (subject);
create index personal_contacts_collected on personal_contacts (kind, collected_at);

-- Exact locations of people (a petitioner's home, a reporter's position):
-- indexable for triangulation, point-in-polygon and duplicate merging, but
-- readable only by the roles listed in personal_location_roles, which the
-- application names per transaction with set_config('envtrace.role', ...).
-- Row-level security is forced, so the table owner is bound too.
create table personal_location_roles (
    role text primary key
);
insert into personal_location_roles (role) values ('admin'), ('officer'), ('investigator');

create table personal_locations (
    kind         text not null,
    record_id    text not null,
    subject      text not null default '',
    geom         geometry(Point, 4326) not null,
    collected_at timestamptz not null,
    primary key (kind, record_id)
);
create index personal_locations_geom on personal_locations using gist (geom);
create index personal_locations_collected on personal_locations (kind, collected_at);
-- Anyone may add a location (a petitioner submitting one); reading,
-- changing and deleting need an allowed role.
alter table personal_locations enable row level security;
alter table personal_locations force row level security;
create policy personal_locations_read on personal_locations for select
    using (exists (select 1 from personal_location_roles r where r.role = current_setting('envtrace.role', true)));
create policy personal_locations_add on personal_locations for insert with check (true);
create policy personal_locations_change on personal_locations for update
    using (exists (select 1 from personal_location_roles r where r.role = current_setting('envtrace.role', true)));
create policy personal_locations_remove on personal_locations for delete
    using (exists (select 1 from personal_location_roles r where r.role = current_setting('envtrace.role', true)));

-- The fuzzed copy public views read (privacy.Fuzzer): no policy needed.
create table public_locations (
    kind      text not null,
    record_id text not null,
    geom      geometry(Point, 4326) not null,
    primary key (kind, record_id)
);
create index public_locations_geom on public_locations using gist (geom);

-- Dumping reports keep their sealed contact in dumping_reports.contact; the
-- blind index lets an erasure request find them.
alter table dumping_reports add column contact_subject text;
create index dumping_reports_contact_subject on dumping_reports (contact_subject) where contact_subject is not null;
