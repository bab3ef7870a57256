-- Erasure requests reach odour petitioners. contact_subjects holds the
-- keyed blind index (privacy.Secret.Subject, the dumping reporters' one)
-- of the petitioner's phone and e-mail, written with the petition; rows
-- sealed before this migration have none and `privacy erase` opens their
-- sealed contact with the keyring to match them. erased_seq numbers each
-- contact an erasure or a purge dropped, so that every `serve --db`
-- replica's petitions follower drops it from memory too (NOTIFY
-- envtrace_petitions). The exact location (geom) stays for the analyses.
-- Documented in docs/access.md and docs/odour.md.
create sequence petition_erasures_seq;
alter table petitions
	add column contact_subjects text[],
	add column erased_seq       bigint;
create index petitions_contact_subjects_idx on petitions using gin (contact_subjects);
create index petitions_erased_seq_idx on petitions (erased_seq) where erased_seq is not null;
