-- e2e/sqlbench/generate.sql — the benchmark's table: :rows CMDB-like rows
-- made by generate_series. Run with psql -v rows=1000000 -f generate.sql.
-- Every column type the sql source normalises is there: bigint, text,
-- integer, numeric (most values not exact in a float64, so they stay text),
-- double precision, boolean, date, timestamptz and jsonb.
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS bench_ci;
CREATE UNLOGGED TABLE bench_ci AS
SELECT g::bigint                                                   AS id,
       'host-' || lpad(g::text, 7, '0')                            AS name,
       (ARRAY['server', 'vm', 'switch', 'router'])[1 + g % 4]      AS class,
       'site-' || lpad((g % 50)::text, 2, '0')                     AS site,
       '10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256 AS ip,
       (2 ^ (1 + g % 6))::integer                                  AS cpu_count,
       (1024 * (1 + g % 64))::integer                              AS memory_mb,
       g::bigint * 1073741824                                      AS disk_bytes,
       round((g % 100000) / 7.0, 2)::numeric(12, 2)                AS cost,
       ((g % 1000) / 1000.0)::double precision                     AS cpu_load,
       g % 3 = 0                                                   AS is_virtual,
       (ARRAY['operational', 'degraded', 'maintenance', 'down'])[1 + g % 4] AS status,
       date '2020-01-01' + g % 2000                                AS commissioned_on,
       timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second' AS last_seen,
       jsonb_build_object('rack', 'R' || g % 40, 'u', g % 42)      AS attributes
FROM generate_series(1, :rows) AS g;
ALTER TABLE bench_ci ADD PRIMARY KEY (id);
ANALYZE bench_ci;
