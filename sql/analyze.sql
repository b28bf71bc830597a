--
-- ANALYZE: the number of records from one search's total, column
-- statistics from the first list pages, at most 10 requests; and the
-- planner using that size.
--
SET client_min_messages = warning;

CREATE FOREIGN TABLE pc_analyze (
  id text,
  hs_name text,
  tier text OPTIONS (property 'hs_tier'),
  hs_country text
) SERVER hubspot OPTIONS (object_type 'partner_clients');

CREATE FOREIGN TABLE ps_analyze (
  id text,
  hs_name text,
  hs_status text
) SERVER hubspot OPTIONS (object_type 'partner_services');

-- The planner's row estimate of a query, from EXPLAIN's JSON.
CREATE FUNCTION plan_rows(sql text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || sql INTO plan;
  RETURN (plan->0->'Plan'->>'Plan Rows')::numeric;
END $$;

CALL emu_reset();
-- 300 seeded partner clients and 19,700 more: 20,000
SELECT doc->>'created' AS created
  FROM emu('bulk', '{"type": "partner_clients", "count": 19700, "properties": {"hs_name": "Bulk client {n}", "hs_tier": "bronze", "hs_country": "NL"}}') doc;

-- never analyzed: the assumed 1,000
SELECT reltuples FROM pg_class WHERE relname = 'pc_analyze';
SELECT plan_rows('SELECT * FROM pc_analyze');

CALL emu_clear();
ANALYZE pc_analyze;
-- one search for the count, nine pages of 100 for the sample
SELECT method, path, body->>'limit' AS search_limit, query->>'limit' AS page_limit,
       query->>'properties' AS props, count(*)
  FROM emu_requests GROUP BY 1, 2, 3, 4, 5 ORDER BY 1 DESC;
SELECT count(*) <= 10 AS at_most_10 FROM emu_requests;
SELECT reltuples FROM pg_class WHERE relname = 'pc_analyze';
SELECT plan_rows('SELECT * FROM pc_analyze');
SELECT attname, null_frac, n_distinct > 0 OR n_distinct < 0 AS has_distinct
  FROM pg_stats WHERE tablename = 'pc_analyze' ORDER BY attname;
-- the sample's values drive selectivity: 'silver' is 50 of the 900 sampled
SELECT plan_rows($$SELECT * FROM pc_analyze WHERE tier = 'silver'$$) BETWEEN 500 AND 2000 AS silver_estimate;

-- With the size known, the planner weighs a bind join (one batch/read per
-- 100 keys) against reading the whole list: 100 keys against 20,000
-- records pick the bind join, 50,000 keys against 2,000 records the list.
CREATE TABLE staging_100 AS SELECT (500 + g * 150)::text AS id, 'silver'::text AS tier
  FROM generate_series(1, 100) g;
CREATE TABLE staging_1000 AS SELECT (500 + g * 15)::text AS id, 'gold'::text AS tier
  FROM generate_series(1, 1000) g;
CREATE TABLE staging_50000 AS SELECT (500 + g)::text AS id FROM generate_series(1, 50000) g;
ANALYZE staging_100, staging_1000, staging_50000;
SELECT uses_bind_join('SELECT * FROM staging_100 s JOIN pc_analyze pc ON pc.id = s.id') AS small_staging;
ALTER FOREIGN TABLE pc_analyze OPTIONS (ADD estimated_rows '2000');
SELECT uses_bind_join('SELECT * FROM staging_50000 s JOIN pc_analyze pc ON pc.id = s.id') AS big_staging;
ALTER FOREIGN TABLE pc_analyze OPTIONS (DROP estimated_rows);
-- a sync of 100 and of 1,000 staging rows into the 20,000-record portal:
-- one batch/update per 100 rows, nothing read (suite bind_modify)
CALL emu_clear();
UPDATE pc_analyze pc SET tier = s.tier FROM staging_100 s WHERE pc.id = s.id;
SELECT method, path, count(*) FROM emu_requests GROUP BY 1, 2 ORDER BY 1, 2;
CALL emu_clear();
UPDATE pc_analyze pc SET tier = s.tier FROM staging_1000 s WHERE pc.id = s.id;
SELECT method, path, count(*) FROM emu_requests GROUP BY 1, 2 ORDER BY 1, 2;
SELECT emu_object('partner_clients/15500')->'properties'->>'hs_tier' AS synced;
DROP TABLE staging_100, staging_1000, staging_50000;

-- the estimated_rows option states the size by hand, and wins over ANALYZE
ALTER FOREIGN TABLE pc_analyze OPTIONS (ADD estimated_rows '5000000');
SELECT plan_rows('SELECT * FROM pc_analyze');
ALTER FOREIGN TABLE pc_analyze OPTIONS (DROP estimated_rows);
SELECT plan_rows('SELECT * FROM pc_analyze');
ALTER FOREIGN TABLE ps_analyze OPTIONS (ADD estimated_rows '250');
SELECT plan_rows('SELECT * FROM ps_analyze');
ALTER FOREIGN TABLE ps_analyze OPTIONS (DROP estimated_rows);
SELECT * FROM try($$ALTER FOREIGN TABLE ps_analyze OPTIONS (ADD estimated_rows '0')$$);
SELECT * FROM try($$ALTER FOREIGN TABLE ps_analyze OPTIONS (ADD estimated_rows 'lots')$$);
SELECT * FROM try($$ALTER SERVER hubspot OPTIONS (ADD estimated_rows '10')$$);

-- a table whose list ends within the pages read is counted exactly
CALL emu_clear();
ANALYZE ps_analyze;
SELECT method, path, count(*) FROM emu_requests GROUP BY 1, 2 ORDER BY 1 DESC;
SELECT reltuples FROM pg_class WHERE relname = 'ps_analyze';
-- with use_search 'false' ANALYZE sends no search: the list gives the count
ALTER FOREIGN TABLE ps_analyze OPTIONS (ADD use_search 'false');
CALL emu_clear();
ANALYZE ps_analyze;
SELECT method, path, count(*) FROM emu_requests GROUP BY 1, 2 ORDER BY 1 DESC;
SELECT reltuples FROM pg_class WHERE relname = 'ps_analyze';
ALTER FOREIGN TABLE ps_analyze OPTIONS (DROP use_search);

-- without a user mapping ANALYZE fails as a scan does
CREATE ROLE hs_analyze_owner;
ALTER FOREIGN TABLE ps_analyze OWNER TO hs_analyze_owner;
SELECT * FROM try('ANALYZE ps_analyze');
ALTER FOREIGN TABLE ps_analyze OWNER TO CURRENT_USER;
DROP ROLE hs_analyze_owner;

DROP FOREIGN TABLE pc_analyze, ps_analyze;
DROP FUNCTION plan_rows(text);
CALL emu_reset();
