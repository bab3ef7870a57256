-- Joint-defence cases (package casework): the county whose bureau has a
-- case, and the history of its referrals between bureaus (移送), only ever
-- appended. Documented in docs/cases.md.
alter table cases add column county text not null default '';

create table case_referrals (
    case_id     text not null references cases (id) on delete cascade,
    seq         integer not null check (seq > 0),
    from_county text not null,
    to_county   text not null check (to_county <> '' and to_county <> from_county),
    reason      text not null check (reason <> ''),
    by          text not null,
    at          timestamptz not null,
    primary key (case_id, seq)
);
