-- Illegal dumping on public land (casework/dumping) and the notification
-- outbox (casework/outbox). Documented in docs/postgis.md and docs/dumping.md.

-- Land: the agency directory, the townships that decide the fallback, and
-- parcels or management areas with the value naming their manager. All
-- geometry is TWD97 / TM2 zone 121 (EPSG:3826).
create table dumping_agencies (
    id   text primary key check (id <> ''),
    doc  jsonb not null                      -- casework/dumping.Agency
);

create table dumping_jurisdictions (
    id   text primary key check (id <> ''),
    doc  jsonb not null,                     -- casework/dumping.Jurisdiction without geometry
    geom geometry(MultiPolygon, 3826) not null
);

create table dumping_parcels (
    id      text primary key check (id <> ''),
    manager text not null check (manager <> ''),  -- agency id, a manages value, or county / township / private
    owner   text not null default '',
    section text not null default '',
    land_no text not null default '',
    source  text not null,                        -- the file the parcel was imported from
    geom    geometry(MultiPolygon, 3826) not null
);
create index dumping_parcels_geom_gist on dumping_parcels using gist (geom);

-- Reports. The columns hold what queries filter on; doc holds the whole
-- report (history, replies, routing decision) as the application sees it.
-- The reporter's contact is sealed (AES-GCM) and never stored in clear.
create table dumping_reports (
    id           text primary key,
    state        text not null,
    agency_id    text not null,
    requested_at timestamptz not null,
    due_at       timestamptz,
    contact      bytea,
    geom         geometry(Point, 3826) not null,
    doc          jsonb not null
);
create index dumping_reports_geom_gist on dumping_reports using gist (geom);
create index dumping_reports_agency_state on dumping_reports (agency_id, state);
create index dumping_reports_requested on dumping_reports (requested_at);

-- Report numbers per calendar year (Asia/Taipei): DR2026-000001.
create table dumping_report_seq (
    year integer primary key,
    last integer not null
);

-- The audit trail: append-only, one row per transition, reply, link,
-- photo, measure, escalation or contact read.
create table dumping_audit (
    id        bigserial primary key,
    at        timestamptz not null,
    actor     text not null,
    action    text not null,
    report_id text not null,
    detail    text not null default ''
);
create index dumping_audit_report on dumping_audit (report_id, id);

create table dumping_photos (
    id           text primary key,
    report_id    text not null references dumping_reports (id),
    content_type text not null check (content_type in ('image/jpeg', 'image/png')),
    width        integer not null,
    height       integer not null,
    uploaded_at  timestamptz not null,
    data         bytea not null                -- metadata stripped before storage
);

create table dumping_patrols (
    id        text primary key,
    agency_id text not null,
    at        timestamptz not null,
    doc       jsonb not null
);
create index dumping_patrols_agency on dumping_patrols (agency_id, at);

create table dumping_measures (
    id      text primary key,
    site_id text not null,
    doc     jsonb not null
);

-- Notifications, committed with the change that causes them and delivered
-- at least once by the outbox worker (id = Message-ID / Idempotency-Key).
create table outbox (
    id          text primary key,
    channel     text not null check (channel in ('email', 'webhook')),
    recipient   text not null,
    subject     text not null,
    body        text not null,
    topic       text not null default '',
    ref         text not null default '',
    created_at  timestamptz not null,
    due_at      timestamptz not null,
    lease_until timestamptz,
    attempts    integer not null default 0,
    sent_at     timestamptz,
    last_error  text
);
create index outbox_due on outbox (due_at) where sent_at is null;
