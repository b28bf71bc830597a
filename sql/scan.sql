--
-- Reading: the list endpoint is paged 100 at a time asking only for the
-- properties the query needs; WHERE id = / IN fetches those records only.
--
CALL emu_reset();

-- a full scan: 300 records = 3 pages, each asking for the needed properties only
SELECT count(*), count(DISTINCT tier), min(hs_name), max(id) FROM partner_clients;
SELECT method, path, query FROM emu_requests ORDER BY seq;

CALL emu_clear();
SELECT id, hs_name, tier, hs_country FROM partner_clients WHERE tier = 'silver' ORDER BY id LIMIT 3;
SELECT method, path, query->>'properties' AS props, status FROM emu_requests ORDER BY seq;

-- id = const: one GET by id, no paging
CALL emu_clear();
SELECT * FROM partner_clients WHERE id = '512';
SELECT method, path, query->>'properties' AS props FROM emu_requests ORDER BY seq;

-- a missing record is no row (HubSpot answers 404)
CALL emu_clear();
SELECT * FROM partner_clients WHERE id = '99999';
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- ids are path segments: "." and ".." are sent encoded, not resolved away
CALL emu_clear();
SELECT * FROM partner_clients WHERE id = '..';
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- id IN (...): one batch/read with exactly those ids; missing ids are no rows
CALL emu_clear();
SELECT id, hs_name FROM partner_clients WHERE id IN ('513', '99999', '514', '513') ORDER BY id;
SELECT method, path, body FROM emu_requests ORDER BY seq;

-- more than 100 ids: batch/read in chunks of 100
CALL emu_clear();
SELECT count(*) FROM partner_clients
 WHERE id = ANY (ARRAY(SELECT (500 + g)::text FROM generate_series(1, 250) g));
-- (the requests overlap: compared by content, not arrival order)
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu_requests ORDER BY inputs DESC;
SELECT count(DISTINCT i->>'id') AS ids_read, min((i->>'id')::int), max((i->>'id')::int)
  FROM emu_requests, jsonb_array_elements(body->'inputs') i;
SELECT count(*), min(id::int), max(id::int) FROM partner_clients
 WHERE id = ANY (ARRAY(SELECT (500 + g)::text FROM generate_series(1, 250) g)) AND id::int % 2 = 0;
-- the chunks do not depend on each other: up to max_concurrency are in flight
CALL emu_faults('{"delay_ms": 200}');
CALL emu_clear();
SELECT count(*) FROM partner_clients
 WHERE id = ANY (ARRAY(SELECT (500 + g)::text FROM generate_series(1, 250) g));
SELECT doc->'api_requests' AS requests, doc->'max_in_flight' AS max_in_flight FROM emu('stats') doc;
ALTER SERVER hubspot OPTIONS (ADD max_concurrency '1');
CALL emu_clear();
SELECT count(*) FROM partner_clients
 WHERE id = ANY (ARRAY(SELECT (500 + g)::text FROM generate_series(1, 250) g));
SELECT doc->'api_requests' AS requests, doc->'max_in_flight' AS max_in_flight FROM emu('stats') doc;
ALTER SERVER hubspot OPTIONS (DROP max_concurrency);
CALL emu_faults('{}');

-- parameters (as in stored procedures and prepared statements) are pushed too
CALL emu_clear();
PREPARE by_id(text) AS SELECT id, tier FROM partner_clients WHERE id = $1;
SET plan_cache_mode = force_generic_plan;
EXECUTE by_id('600');
EXECUTE by_id('601');
RESET plan_cache_mode;
DEALLOCATE by_id;
SELECT method, path FROM emu_requests ORDER BY seq;

-- a correlated subquery re-evaluates the id on each rescan
CALL emu_clear();
SELECT v.k, (SELECT tier FROM partner_clients p WHERE p.id = v.k)
  FROM (VALUES ('501'), ('760')) v(k) ORDER BY 1;
SELECT method, path FROM emu_requests ORDER BY seq;

-- only the properties used are requested; count(*) asks for one
CALL emu_clear();
SELECT count(*) FROM partner_services;
SELECT DISTINCT query->>'properties' AS props FROM emu_requests;

-- partner_services reads the same way
SELECT hs_status, count(*) FROM partner_services GROUP BY 1 ORDER BY 1;
SELECT * FROM partner_services WHERE id = '3001';

-- EXPLAIN says what will be sent
EXPLAIN (VERBOSE, COSTS OFF) SELECT hs_name FROM partner_clients WHERE tier = 'gold';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM partner_clients WHERE id = '512';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM partner_clients WHERE id IN ('1', '2');

-- a cursor that outlives a rolled-back savepoint: the page it was reading
-- ahead inside the savepoint is dropped with it, and is sent again
SET statement_timeout = '20s';
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM partner_clients;
CALL emu_clear();
SAVEPOINT s;
FETCH 1 FROM c;
ROLLBACK TO SAVEPOINT s;
MOVE 149 IN c;
FETCH 1 FROM c;
CLOSE c;
COMMIT;
-- (a dropped request may or may not have reached HubSpot: count pages once)
SELECT DISTINCT method, query->>'after' AS after FROM emu_requests ORDER BY 2 NULLS FIRST;
-- the same with batch/reads of ids in flight (450 ids, 300 records exist)
CALL emu_clear();
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM partner_clients
  WHERE id = ANY (ARRAY(SELECT (500 + g)::text FROM generate_series(1, 450) g));
SAVEPOINT s;
FETCH 1 FROM c;
ROLLBACK TO SAVEPOINT s;
MOVE 298 IN c;
FETCH 2 FROM c;
CLOSE c;
COMMIT;
SELECT count(DISTINCT i->>'id') AS ids_read
  FROM emu_requests, jsonb_array_elements(body->'inputs') i;
RESET statement_timeout;

-- a batch/read input HubSpot refuses for another reason than a missing id
-- is an error, with HubSpot's words
CALL emu_faults('{"fail_next": [{"status": 207, "match": {"path_contains": "/batch/read"}, "headers": {"X-HubSpot-Correlation-Id": "00000000-0000-4000-8000-000000000207"}, "body": {"status": "COMPLETE", "results": [], "numErrors": 1, "errors": [{"status": "error", "category": "VALIDATION_ERROR", "message": "Property values were not valid", "context": {"ids": ["502"]}}], "startedAt": "2026-01-01T00:00:00.000Z", "completedAt": "2026-01-01T00:00:00.100Z"}}]}');
SELECT * FROM try($$SELECT count(*) FROM partner_clients WHERE id IN ('501', '502')$$);
CALL emu_faults('{}');
