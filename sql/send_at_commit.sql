--
-- send_at 'commit': writes wait for COMMIT, merged per record; ROLLBACK
-- (or rolling back to a savepoint) sends nothing of what it undoes.
--
CALL emu_reset();
ALTER FOREIGN TABLE partner_services OPTIONS (ADD send_at 'commit');
ALTER FOREIGN TABLE partner_services ADD COLUMN hs_price numeric;

-- nothing is sent until COMMIT; two UPDATEs of the same records merge
BEGIN;
UPDATE partner_services SET hs_status = 'paused' WHERE hs_name IN ('Service 3001', 'Service 3002', 'Service 3003');
UPDATE partner_services SET hs_name = hs_name || ' (renamed)' WHERE id IN ('3002', '3003', '3004');
SELECT count(*) AS writes_before_commit FROM emu_requests WHERE path LIKE '%/batch/update';
COMMIT;
SELECT method, path, body FROM emu_requests WHERE method <> 'GET' ORDER BY seq;
SELECT id, hs_name, hs_status FROM partner_services WHERE id IN ('3001', '3002', '3003', '3004') ORDER BY id;

-- ROLLBACK sends nothing
CALL emu_clear();
BEGIN;
UPDATE partner_services SET hs_status = 'retired' WHERE hs_status = 'active';
ROLLBACK;
SELECT count(*) AS writes_after_rollback FROM emu_requests WHERE method <> 'GET';
SELECT count(*) AS retired FROM partner_services WHERE hs_status = 'retired';

-- a rolled-back savepoint takes its writes with it; a released one keeps them
CALL emu_clear();
BEGIN;
UPDATE partner_services SET hs_status = 'retired' WHERE id = '3010';
SAVEPOINT a;
UPDATE partner_services SET hs_status = 'retired' WHERE id = '3011';
SAVEPOINT b;
UPDATE partner_services SET hs_status = 'retired' WHERE id = '3012';
RELEASE SAVEPOINT b;
ROLLBACK TO SAVEPOINT a;
SAVEPOINT c;
UPDATE partner_services SET hs_status = 'retired' WHERE id = '3013';
RELEASE SAVEPOINT c;
COMMIT;
SELECT (SELECT array_agg(i->>'id' ORDER BY i->>'id') FROM jsonb_array_elements(body->'inputs') i) AS sent_ids
  FROM emu_requests WHERE method <> 'GET' ORDER BY seq;

-- a big deferred UPDATE goes out in batches of at most 100 at COMMIT
CALL emu_clear();
UPDATE partner_services SET hs_price = '1.00' WHERE hs_status = 'active';
SELECT string_agg(jsonb_array_length(body->'inputs')::text, ',' ORDER BY jsonb_array_length(body->'inputs') DESC) AS batch_sizes
  FROM emu_requests WHERE method <> 'GET';

-- a HubSpot failure at COMMIT aborts the commit, with a clear error
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 400, "match": {"path_contains": "/batch/update"},
  "body": {"status": "error", "message": "Property values were not valid", "category": "VALIDATION_ERROR", "correlationId": "00000000-0000-0000-0000-000000000000"}}]}');
BEGIN;
UPDATE partner_services SET hs_status = 'paused' WHERE id = '3020';
COMMIT;
SELECT hs_status FROM partner_services WHERE id = '3020';

-- PREPARE TRANSACTION is refused while writes are pending (and works without)
BEGIN;
UPDATE partner_services SET hs_status = 'paused' WHERE id = '3021';
PREPARE TRANSACTION 'hs_pending';
BEGIN;
SELECT count(*) FROM partner_services WHERE id = '3021';
PREPARE TRANSACTION 'hs_nothing_pending';
COMMIT PREPARED 'hs_nothing_pending';

-- RETURNING cannot be answered before COMMIT; EXPLAIN tells when writes go
UPDATE partner_services SET hs_status = 'paused' WHERE id = '3022' RETURNING *;
EXPLAIN (COSTS OFF) UPDATE partner_services SET hs_status = 'paused' WHERE id = '3022';
ALTER FOREIGN TABLE partner_services OPTIONS (DROP send_at);
ALTER FOREIGN TABLE partner_services DROP COLUMN hs_price;
