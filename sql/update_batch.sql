--
-- UPDATE of many rows: batch/update, at most batch_size (100) per request.
--
CALL emu_reset();

-- 250 gold clients -> 3 requests of 100, 100 and 50 inputs, no PATCH
UPDATE partner_clients SET hs_name = upper(hs_name) WHERE tier = 'gold';
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs, status
  FROM emu_requests WHERE method <> 'GET' ORDER BY 3 DESC;
SELECT count(*) FILTER (WHERE method = 'PATCH') AS patches,
       count(*) FILTER (WHERE method = 'GET') AS list_pages
  FROM emu_requests;
-- each input carries only the changed property and a unique trace id
SELECT count(*) AS inputs,
       count(DISTINCT i->>'id') AS distinct_ids,
       count(DISTINCT i->>'objectWriteTraceId') AS distinct_trace_ids,
       count(*) FILTER (WHERE (SELECT array_agg(k) FROM jsonb_object_keys(i->'properties') k) = '{hs_name}') AS only_hs_name
  FROM emu_requests, jsonb_array_elements(body->'inputs') i
 WHERE path LIKE '%/batch/update';
SELECT i AS input_of_501 FROM emu_requests, jsonb_array_elements(body->'inputs') i
 WHERE path LIKE '%/batch/update' AND i->>'id' = '501';
-- every updated value reads back
SELECT count(*) FILTER (WHERE hs_name = upper(hs_name)) AS upper_names, count(*) FROM partner_clients WHERE tier = 'gold';
SELECT count(*) AS untouched_silver FROM partner_clients WHERE tier = 'silver' AND hs_name LIKE 'Client %';

-- partner_services: the same
CALL emu_clear();
UPDATE partner_services SET hs_status = 'retired' WHERE hs_status = 'active';
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs
  FROM emu_requests WHERE method <> 'GET' ORDER BY 3 DESC;
SELECT hs_status, count(*) FROM partner_services GROUP BY 1 ORDER BY 1;

-- batch_size on the table overrides the server's
ALTER FOREIGN TABLE partner_clients OPTIONS (ADD batch_size '40');
CALL emu_clear();
UPDATE partner_clients SET hs_country = 'NL' WHERE tier = 'gold';
SELECT string_agg(jsonb_array_length(body->'inputs')::text, ',' ORDER BY jsonb_array_length(body->'inputs') DESC) AS batch_sizes
  FROM emu_requests WHERE path LIKE '%/batch/update';
ALTER FOREIGN TABLE partner_clients OPTIONS (DROP batch_size);
-- and on the server
ALTER SERVER hubspot OPTIONS (ADD batch_size '75');
CALL emu_clear();
UPDATE partner_clients SET hs_country = 'BE' WHERE tier = 'gold';
SELECT string_agg(jsonb_array_length(body->'inputs')::text, ',' ORDER BY jsonb_array_length(body->'inputs') DESC) AS batch_sizes
  FROM emu_requests WHERE path LIKE '%/batch/update';
ALTER SERVER hubspot OPTIONS (DROP batch_size);
SELECT hs_country, count(*) FROM partner_clients GROUP BY 1 ORDER BY 1;

-- SET col = NULL clears in batches too
CALL emu_clear();
UPDATE partner_clients SET hs_country = NULL WHERE tier = 'silver';
SELECT DISTINCT i->'properties' AS props
  FROM emu_requests, jsonb_array_elements(body->'inputs') i WHERE path LIKE '%/batch/update';
SELECT count(*) FILTER (WHERE hs_country IS NULL) AS cleared FROM partner_clients WHERE tier = 'silver';

-- the same id twice in one statement never shares a batch (a join on p.id
-- itself would be a bind join, which updates each record once: bind_join)
CALL emu_clear();
UPDATE partner_clients p SET hs_name = v.n
  FROM (VALUES ('501', 'first'), ('502', 'other'), ('501', 'second')) v(k, n)
 WHERE p.id || '' = v.k;
SELECT (SELECT string_agg(i->>'id', ',') FROM jsonb_array_elements(body->'inputs') i) AS ids
  FROM emu_requests WHERE path LIKE '%/batch/update' ORDER BY seq;
-- (which join row wins for 501 is unpredictable, as PostgreSQL documents for UPDATE ... FROM)
SELECT id, hs_name IN ('first', 'second', 'other') AS from_join FROM partner_clients WHERE id IN ('501', '502') ORDER BY id;

-- many ids known up front: batch/update of 100 + 50 (in flight together), no read at all
CALL emu_clear();
UPDATE partner_clients SET tier = 'bronze'
 WHERE id = ANY (ARRAY(SELECT (650 + g)::text FROM generate_series(1, 150) g));
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu_requests ORDER BY 3 DESC;
SELECT tier, count(*) FROM partner_clients GROUP BY 1 ORDER BY 1;

-- nothing matches: nothing is written
CALL emu_clear();
UPDATE partner_clients SET tier = 'gold' WHERE hs_name = 'no such name';
SELECT method, count(*) FROM emu_requests GROUP BY 1;

-- a transaction's UPDATEs are sent as each statement ends
CALL emu_clear();
BEGIN;
UPDATE partner_services SET hs_name = hs_name || ' (A)' WHERE hs_status = 'paused';
SELECT count(*) AS requests_so_far FROM emu_requests WHERE method = 'POST';
COMMIT;
SELECT count(*) FROM partner_services WHERE hs_name LIKE '% (A)';
