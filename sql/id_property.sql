--
-- id_property: rows identified by a unique property instead of the record
-- id. Requests carry idProperty; HubSpot answers with record ids, so batch
-- results are matched by objectWriteTraceId or by the key property.
--
CALL emu_reset();
CREATE FOREIGN TABLE pc_by_key (
  id text,
  ext_key text OPTIONS (property 'hs_external_key'),
  hs_name text,
  hs_score numeric,
  hs_tier text
) SERVER hubspot OPTIONS (object_type 'partner_clients', id_property 'hs_external_key');

-- UPDATE by key: one PATCH with idProperty, no read; the right record changes
UPDATE pc_by_key SET hs_score = 42.5 WHERE ext_key = 'PC-512';
SELECT method, path, query, body FROM emu_requests ORDER BY seq;
SELECT emu_object('partner_clients/512')->'properties'->>'hs_score' AS score_512,
       emu_object('partner_clients/513')->'properties'->>'hs_score' AS score_513;

-- a key HubSpot does not know: 404, UPDATE 0
CALL emu_clear();
UPDATE pc_by_key SET hs_score = 1 WHERE ext_key = 'PC-99999';
SELECT method, path, query, status FROM emu_requests ORDER BY seq;

-- several keys: batch/update, each input with idProperty; missing keys are no rows
CALL emu_clear();
UPDATE pc_by_key SET hs_tier = 'bronze' WHERE ext_key IN ('PC-520', 'PC-521', 'PC-99998');
SELECT method, path, status, jsonb_array_length(body->'inputs') AS inputs FROM emu_requests ORDER BY seq;
SELECT i->>'id' AS id, i->>'idProperty' AS id_property, i->'properties' AS properties
  FROM emu_requests, jsonb_array_elements(body->'inputs') i ORDER BY 1;
SELECT id, ext_key, hs_tier FROM pc_by_key WHERE id IN ('520', '521', '522') ORDER BY id;

-- reading by key: GET with idProperty, batch/read with idProperty
CALL emu_clear();
SELECT id, ext_key, hs_name FROM pc_by_key WHERE ext_key = 'PC-530';
SELECT id, ext_key, hs_name FROM pc_by_key WHERE ext_key = 'PC-99999';
SELECT id, ext_key, hs_tier FROM pc_by_key WHERE ext_key IN ('PC-531', 'PC-99999', 'PC-532') ORDER BY id;
SELECT method, path, query->>'idProperty' AS query_id_property, body->'idProperty' AS body_id_property,
       body->'inputs' AS inputs, status
  FROM emu_requests ORDER BY seq;
-- the record id still works, without idProperty
CALL emu_clear();
SELECT id, ext_key FROM pc_by_key WHERE id = '540';
UPDATE pc_by_key SET hs_name = 'By id' WHERE id = '540';
SELECT method, path, query FROM emu_requests ORDER BY seq;

-- rows read first: batch/update inputs are named by key, with idProperty
CALL emu_clear();
UPDATE pc_by_key SET hs_name = hs_name || ' *' WHERE hs_tier = 'silver' AND hs_score >= 95;
SELECT count(*) AS inputs, count(*) FILTER (WHERE i->>'id' LIKE 'PC-%') AS named_by_key,
       count(*) FILTER (WHERE i->>'idProperty' = 'hs_external_key') AS with_id_property
  FROM emu_requests, jsonb_array_elements(body->'inputs') i WHERE path LIKE '%/batch/update';
SELECT body->'inputs'->0 AS first_input FROM emu_requests WHERE path LIKE '%/batch/update';
SELECT count(*) AS starred FROM pc_by_key WHERE hs_name LIKE '% *';

-- RETURNING: a PATCH per row, by key
CALL emu_clear();
UPDATE pc_by_key SET hs_score = hs_score + 1 WHERE ext_key IN ('PC-560', 'PC-561')
  RETURNING id, ext_key, hs_score;
SELECT method, path, query FROM emu_requests ORDER BY seq;

-- the key itself can change: the old value names the record
CALL emu_clear();
UPDATE pc_by_key SET ext_key = 'PC-570-new' WHERE ext_key = 'PC-570';
UPDATE pc_by_key SET ext_key = ext_key || '-x' WHERE hs_name IN ('Client 571', 'Client 572');
SELECT method, path, query, body FROM emu_requests WHERE method <> 'GET' ORDER BY seq;
SELECT id, ext_key FROM pc_by_key WHERE id IN ('570', '571', '572') ORDER BY id;

-- EXPLAIN shows the requests by key
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM pc_by_key WHERE ext_key = 'PC-1';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM pc_by_key WHERE ext_key IN ('PC-1', 'PC-2');
EXPLAIN (VERBOSE, COSTS OFF) UPDATE pc_by_key SET hs_tier = 'gold' WHERE ext_key = 'PC-1';
EXPLAIN (VERBOSE, COSTS OFF) UPDATE pc_by_key SET hs_tier = 'gold' WHERE ext_key IN ('PC-1', 'PC-2');
EXPLAIN (VERBOSE, COSTS OFF) UPDATE pc_by_key SET hs_tier = 'gold' WHERE hs_name = 'x';

-- batch results: HubSpot answers with record ids. An answer without
-- objectWriteTraceId is matched by the key property; one with neither is
-- not a confirmation.
\x on
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"match": {"path_contains": "/batch/update"}, "status": 200,
  "body": {"status": "COMPLETE", "startedAt": "2026-01-01T00:00:00.000Z", "completedAt": "2026-01-01T00:00:01.000Z",
           "results": [{"id": "580", "properties": {"hs_external_key": "PC-580"}, "createdAt": "2026-01-01T00:00:00.000Z",
                        "updatedAt": "2026-01-01T00:00:00.000Z", "archived": false},
                       {"id": "581", "properties": {"hs_tier": "gold"}, "createdAt": "2026-01-01T00:00:00.000Z",
                        "updatedAt": "2026-01-01T00:00:00.000Z", "archived": false}]}}]}');
SELECT * FROM try($$UPDATE pc_by_key SET hs_tier = 'gold' WHERE ext_key IN ('PC-580', 'PC-581')$$);
CALL emu_faults('{}');

-- a table whose id_property has no column cannot be updated; reading works
CREATE FOREIGN TABLE pc_nokey (id text, hs_name text)
  SERVER hubspot OPTIONS (object_type 'partner_clients', id_property 'hs_external_key');
SELECT * FROM try($$UPDATE pc_nokey SET hs_name = 'x' WHERE id = '512'$$);
SELECT id, hs_name FROM pc_nokey WHERE id = '512';
-- HubSpot refuses properties without unique values as idProperty
CREATE FOREIGN TABLE pc_byname (id text, hs_name text, hs_tier text)
  SERVER hubspot OPTIONS (object_type 'partner_clients', id_property 'hs_name');
SELECT * FROM try($$UPDATE pc_byname SET hs_tier = 'gold' WHERE hs_name = 'Client 512'$$);
-- a row without a key cannot be named
UPDATE pc_by_key SET ext_key = NULL WHERE ext_key = 'PC-590';
SELECT * FROM try($$UPDATE pc_by_key SET hs_name = 'x' WHERE id = '590' AND hs_tier IS NOT NULL$$);
\x off
SELECT method, path, status FROM emu_requests WHERE method <> 'GET' ORDER BY seq;

-- a table without an "id" column, identified by its key only
CREATE FOREIGN TABLE ps_by_key (
  key text OPTIONS (property 'hs_external_key'),
  hs_status text
) SERVER hubspot OPTIONS (object_type 'partner_services', id_property 'hs_external_key');
CALL emu_clear();
UPDATE ps_by_key SET hs_status = 'retired' WHERE key = 'PS-3005';
UPDATE ps_by_key SET hs_status = 'paused' WHERE hs_status = 'retired';
SELECT method, path, query, body FROM emu_requests WHERE method <> 'GET' ORDER BY seq;
SELECT key, hs_status FROM ps_by_key WHERE key IN ('PS-3005', 'PS-3006') ORDER BY key;

-- send_at 'commit': the writes kept until COMMIT keep their idProperty and
-- are merged per key
ALTER FOREIGN TABLE pc_by_key OPTIONS (ADD send_at 'commit');
CALL emu_clear();
BEGIN;
UPDATE pc_by_key SET hs_name = 'Deferred' WHERE ext_key = 'PC-600';
UPDATE pc_by_key SET hs_tier = 'bronze' WHERE ext_key IN ('PC-600', 'PC-601');
SELECT method, path, query->>'idProperty' AS query_id_property, body->'idProperty' AS body_id_property
  FROM emu_requests ORDER BY seq;
COMMIT;
SELECT method, path, body FROM emu_requests WHERE path LIKE '%/batch/update' ORDER BY seq;
SELECT id, ext_key, hs_name, hs_tier FROM pc_by_key WHERE ext_key IN ('PC-600', 'PC-601') ORDER BY id;
-- writes by key and by id may name one record: they are never merged with
-- each other, and go in the transaction's order, each run answered first
CREATE FOREIGN TABLE pc_by_id_deferred (id text, hs_tier text)
  SERVER hubspot OPTIONS (object_type 'partner_clients', send_at 'commit');
CALL emu_clear();
BEGIN;
UPDATE pc_by_key SET hs_tier = 'bronze' WHERE ext_key IN ('PC-602', 'PC-603');
UPDATE pc_by_id_deferred SET hs_tier = 'silver' WHERE id = '602';
UPDATE pc_by_key SET hs_tier = 'gold' WHERE ext_key = 'PC-602';
COMMIT;
SELECT seq, body FROM emu_requests WHERE path LIKE '%/batch/update' ORDER BY seq;
SELECT id, hs_tier FROM pc_by_id_deferred WHERE id IN ('602', '603') ORDER BY id;
DROP FOREIGN TABLE pc_by_id_deferred;
EXPLAIN (COSTS OFF) UPDATE pc_by_key SET hs_tier = 'gold' WHERE ext_key = 'PC-1';
ALTER FOREIGN TABLE pc_by_key OPTIONS (DROP send_at);

-- id_property is checked like the other options
\set VERBOSITY default
ALTER FOREIGN TABLE pc_by_key OPTIONS (SET id_property '');

DROP FOREIGN TABLE pc_by_key, pc_nokey, pc_byname, ps_by_key;
