-- Case files (package casework) and the laboratory record of river samples.
-- Documented in docs/postgis.md.

-- A reading's laboratory record, where the data has one: what makes a river
-- sample evidence rather than screening data (casework.Grade).
alter table readings
    add column sample_id     text not null default '',
    add column method        text not null default '',   -- NIEA method code, e.g. 'NIEA W515.55A'
    add column lab           text not null default '',
    add column accreditation text not null default '',
    add column qa_flag       text not null default ''
        check (qa_flag in ('', 'valid', 'qualified', 'invalid'));

create table cases (
    id         text primary key check (id ~ '^C-[0-9]{8}-[0-9A-F]{8}$'),
    title      text not null check (title <> ''),
    created_by text not null check (created_by <> ''),
    created_at timestamptz not null
);
create index cases_created_at on cases (created_at desc);

-- Items are evidence snapshots: never updated. body keeps the JSON byte for
-- byte (type json, not jsonb, which would reorder keys), so that digest, the
-- SHA-256 of body, still matches when it is read back.
create table case_items (
    case_id  text not null references cases (id) on delete cascade,
    seq      integer not null check (seq > 0),
    kind     text not null,
    added_by text not null,
    added_at timestamptz not null,
    digest   text not null check (digest ~ '^[0-9a-f]{64}$'),
    body     json not null,
    primary key (case_id, seq)
);

create table case_shares (
    case_id   text not null references cases (id) on delete cascade,
    principal text not null check (principal <> ''),
    access    text not null check (access in ('read', 'edit')),
    since     timestamptz not null,
    primary key (case_id, principal)
);
create index case_shares_principal on case_shares (principal);

-- Every export made of a case, with the SHA-256 of its content, so that a
-- printed or e-mailed copy can be checked against the case later.
create table case_exports (
    case_id text not null references cases (id) on delete cascade,
    format  text not null check (format in ('report', 'geojson', 'csv', 'kml', 'xlsx')),
    sha256  text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    bytes   integer not null check (bytes >= 0),
    at      timestamptz not null,
    by      text not null,
    seq     bigint generated always as identity,
    primary key (case_id, format, sha256)
);
