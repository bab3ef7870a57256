-- Upstream range queries read only reach ids: a covering index lets the
-- range scan answer from the index alone instead of visiting the wide
-- reaches heap in random order (docs/performance.md).
create index reaches_network_idx_lo_id on reaches (network, idx_lo) include (id);
