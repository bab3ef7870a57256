-- API tokens for machines and people without OIDC (access.Tokens).
-- Documented in docs/access.md. Only the SHA-256 of a token is stored;
-- the token itself is printed once by `envtrace token create`.
create table api_tokens (
    id         text primary key check (id ~ '^[0-9a-f]{12}$'),
    hash       bytea not null unique check (length(hash) = 32),
    role       text not null check (role in ('admin', 'officer', 'investigator', 'land_agency', 'facility', 'ngo', 'public', 'sensor')),
    county     text not null default '',
    agency     text not null default '',
    facility   text not null default '',
    stations   text[] not null default '{}',
    cases      text[] not null default '{}',
    note       text not null default '',
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz,
    check (expires_at > created_at)
);
