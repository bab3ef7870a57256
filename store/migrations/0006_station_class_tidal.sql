-- Stations carry the surface-water class of the water body they sample
-- (地面水體分類及水質標準: 甲, 乙, 丙, 丁, 戊; '' when not classified),
-- against whose standard their readings are also tested, and whether they
-- stand on a tidal reach, where upstream tracing does not hold.
-- Documented in docs/postgis.md and docs/data-directory.md.
alter table stations
    add column water_class text not null default '' check (water_class in ('', '甲', '乙', '丙', '丁', '戊')),
    add column tidal boolean not null default false;
