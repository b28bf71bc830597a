--
-- Hostile and odd answers to scans, and values that must never be sent:
-- a paging cursor given out twice, an answer for an id not asked for, empty
-- ids, dates outside HubSpot's years, URLs too long to send, and the abort
-- warning when a cancel interrupts the wait for a batch write.
--
CALL emu_reset();
CREATE FOREIGN TABLE contacts_h (id text, email text)
  SERVER hubspot OPTIONS (object_type 'contacts');
CREATE FOREIGN TABLE pc_key_h (
  id text,
  ext_key text OPTIONS (property 'hs_external_key'),
  hs_name text
) SERVER hubspot OPTIONS (object_type 'partner_clients', id_property 'hs_external_key');

-- A list page of "ids", each with hs_name 'Page', whose next cursor is "after".
CREATE FUNCTION list_page(ids text[], after text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('status', 200,
           'match', jsonb_build_object('method', 'GET', 'path', '/crm/v3/objects/partner_clients'),
           'body', jsonb_build_object(
             'results', (SELECT jsonb_agg(jsonb_build_object('id', i, 'properties',
                                          jsonb_build_object('hs_name', 'Page', 'hs_tier', 'gold')))
                           FROM unnest(ids) i),
             'paging', jsonb_build_object('next', jsonb_build_object('after', after))))
$$;

-- 1. A paging cursor given out a second time ends the scan at once: A, B,
-- then A again would read pages 2 and 3 for ever. Nothing follows it.
CALL emu_faults(jsonb_build_object('fail_next', jsonb_build_array(
  list_page('{501,502}', 'A'), list_page('{503,504}', 'B'), list_page('{505,506}', 'A'))));
SELECT * FROM try($$SELECT count(*) FROM partner_clients$$);
SELECT method, path, query->>'after' AS after, status FROM emu_requests ORDER BY seq;

-- the same cursor on the next page, in an UPDATE: an error before any write
CALL emu_clear();
CALL emu_faults(jsonb_build_object('fail_next', jsonb_build_array(
  list_page('{501,502}', 'LOOP'), list_page('{503,504}', 'LOOP'))));
SELECT * FROM try($$UPDATE partner_clients SET hs_country = 'XX' WHERE hs_name = 'Page'$$);
SELECT method, path, query->>'after' AS after, status FROM emu_requests ORDER BY seq;

-- the list is read whole again by the next statement: cursors are per scan
CALL emu_faults('{}');
CALL emu_clear();
SELECT count(*) FROM partner_clients;
SELECT count(*) AS pages FROM emu_requests;

-- a search that repeats its cursor ends the same way
CREATE FOREIGN TABLE pc_typed_h (id text, hs_score numeric OPTIONS (hubspot_type 'number'))
  SERVER hubspot OPTIONS (object_type 'partner_clients');
CALL emu_clear();
CALL emu_faults('{"fail_next": [
  {"status": 200, "match": {"path": "/crm/v3/objects/partner_clients/search"},
   "body": {"total": 6, "results": [{"id": "505", "properties": {"hs_score": "5"}}], "paging": {"next": {"after": "1"}}}},
  {"status": 200, "match": {"path": "/crm/v3/objects/partner_clients/search"},
   "body": {"total": 6, "results": [{"id": "605", "properties": {"hs_score": "5"}}], "paging": {"next": {"after": "1"}}}}]}');
SELECT * FROM try($$SELECT id FROM pc_typed_h WHERE hs_score = 5$$);
SELECT method, path, body->>'after' AS after, status FROM emu_requests ORDER BY seq;
CALL emu_faults('{}');

-- 2. A lookup by id keeps only the record asked for. HubSpot answers a
-- merged record's old id with the surviving record, under its own id:
-- that record does not have id '501', so it is no row, as on the list.
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 200,
  "match": {"method": "GET", "path": "/crm/v3/objects/partner_clients/501"},
  "body": {"id": "99999", "properties": {"hs_name": "Merged"}, "archived": false}}]}');
SELECT id, hs_name FROM partner_clients WHERE id = '501';
-- an UPDATE reading that way writes nothing
CALL emu_faults('{"fail_next": [{"status": 200,
  "match": {"method": "GET", "path": "/crm/v3/objects/partner_clients/501"},
  "body": {"id": "99999", "properties": {"hs_name": "Merged"}, "archived": false}}]}');
SELECT affected($$UPDATE partner_clients SET hs_name = hs_name || '!' WHERE id = '501'$$) AS updated;
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- batch/read: a result for an id not asked for, and one answered twice
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 200,
  "match": {"path": "/crm/v3/objects/partner_clients/batch/read"},
  "body": {"status": "COMPLETE", "results": [
    {"id": "99999", "properties": {"hs_name": "Merged"}},
    {"id": "502", "properties": {"hs_name": "Client 502"}},
    {"id": "502", "properties": {"hs_name": "Again"}}],
   "startedAt": "2024-01-01T00:00:00Z", "completedAt": "2024-01-01T00:00:00Z"}}]}');
SELECT id, hs_name FROM partner_clients WHERE id IN ('501', '502') ORDER BY id;
SELECT method, path, body->'inputs' AS inputs, status FROM emu_requests ORDER BY seq;
CALL emu_faults('{}');

-- by id_property, answers carry record ids, not key values: kept
CALL emu_clear();
SELECT id, ext_key FROM pc_key_h WHERE ext_key = 'PC-512';
SELECT id, ext_key FROM pc_key_h WHERE ext_key IN ('PC-513', 'PC-514') ORDER BY id;
SELECT method, path, query->>'idProperty' AS id_property, status FROM emu_requests ORDER BY seq;

-- 3. An empty id or key value names no record: no row, and no request
CALL emu_clear();
SELECT count(*) FROM partner_clients WHERE id = '';
SELECT count(*) FROM partner_clients WHERE id = ANY (ARRAY['', '']);
SELECT count(*) FROM pc_key_h WHERE ext_key = '';
SELECT affected($$UPDATE partner_clients SET hs_country = 'XX' WHERE id = ''$$) AS updated;
SELECT affected($$UPDATE partner_clients SET hs_country = 'XX' WHERE id IN ('', '')$$) AS updated;
SELECT affected($$UPDATE partner_clients SET hs_country = hs_country || 'X' WHERE id = ''$$) AS updated_after_read;
SELECT affected($$UPDATE pc_key_h SET hs_name = 'X' WHERE ext_key = ''$$) AS updated_by_key;
SELECT affected($$DELETE FROM contacts_h WHERE id = ''$$) AS deleted;
PREPARE by_id(text) AS SELECT id FROM partner_clients WHERE id = $1;
EXECUTE by_id('');
DEALLOCATE by_id;
SELECT count(*) AS requests FROM emu_requests;
-- beside other ids, only those are read or written
SELECT id FROM partner_clients WHERE id IN ('', '503');
SELECT id FROM partner_clients WHERE id = ANY (ARRAY['', '504', '505']) ORDER BY id;
SELECT affected($$UPDATE partner_clients SET hs_country = 'XX' WHERE id IN ('', '506', '507')$$) AS updated;
SELECT method, path, body->'inputs' AS inputs, status FROM emu_requests ORDER BY seq;

-- 4. Dates HubSpot cannot hold fail before anything is sent, naming the
-- column: years after 9999 and before 1 (BC), for date columns and for
-- timestamps, whether sent as a date or as a date-time
CREATE FOREIGN TABLE pc_dates_h (
  id text,
  hs_signup_date date,
  signup_ts timestamptz OPTIONS (property 'hs_signup_date', hubspot_type 'date'),
  hs_last_review timestamptz,
  review_ts timestamp OPTIONS (property 'hs_last_review')
) SERVER hubspot OPTIONS (object_type 'partner_clients');
CALL emu_clear();
SELECT sqlstate, message, detail FROM try($$UPDATE pc_dates_h SET hs_signup_date = '10000-01-01' WHERE id = '501'$$);
SELECT sqlstate, message, detail FROM try($$UPDATE pc_dates_h SET hs_signup_date = '0001-12-31 BC' WHERE id = '501'$$);
SELECT sqlstate, message, detail FROM try($$UPDATE pc_dates_h SET signup_ts = '10000-01-01 00:00:00+00' WHERE id = '501'$$);
SELECT sqlstate, message, detail FROM try($$UPDATE pc_dates_h SET signup_ts = '0001-12-31 00:00:00+00 BC' WHERE id = '501'$$);
SELECT sqlstate, message, detail FROM try($$UPDATE pc_dates_h SET hs_last_review = '10000-01-01 00:00:00+00' WHERE id = '501'$$);
SELECT sqlstate, message, detail FROM try($$UPDATE pc_dates_h SET review_ts = '0001-12-31 23:59:59 BC' WHERE id = '501'$$);
SELECT sqlstate, message, detail FROM try($$UPDATE pc_dates_h SET hs_signup_date = '9999-12-31', hs_last_review = '10000-01-01 00:00:00+00' WHERE id IN ('501', '502')$$);
SELECT count(*) AS requests FROM emu_requests;
-- computed from the row read: the read goes out, the write does not
SELECT sqlstate, message, detail FROM try($$UPDATE pc_dates_h SET hs_signup_date = hs_signup_date + 3000000 WHERE id = '503'$$);
SELECT method, path, status FROM emu_requests ORDER BY seq;
-- the first and the last day go
CALL emu_clear();
UPDATE pc_dates_h SET hs_signup_date = '9999-12-31' WHERE id = '501';
UPDATE pc_dates_h SET signup_ts = '0001-01-01 00:00:00+00' WHERE id = '502';
UPDATE pc_dates_h SET hs_last_review = '9999-12-31 23:59:59.999+00' WHERE id = '503';
SELECT method, path, body, status FROM emu_requests ORDER BY seq;
SELECT id, hs_signup_date, hs_last_review FROM pc_dates_h WHERE id IN ('501', '502', '503') ORDER BY id;

-- 5. A URL too long to send is refused before it is sent (54000), naming
-- the endpoint, not the URL: never retried, never a connection failure
CALL emu_reset();
SELECT hubspot_fdw_stats_reset();
SELECT sqlstate, message, detail, context
  FROM try($$SELECT * FROM partner_clients WHERE id = repeat('9', 10000000)$$);
SELECT sqlstate, message, context
  FROM try($$UPDATE partner_clients SET hs_name = 'x' WHERE id = repeat('9', 20000)$$);
SELECT sqlstate, message, context
  FROM try($$DELETE FROM contacts_h WHERE id = repeat('9', 20000)$$);
SELECT sqlstate, message, context
  FROM try($$SELECT * FROM pc_key_h WHERE ext_key = repeat('k', 20000)$$);
SELECT count(*) AS requests FROM emu_requests;
SELECT count(*) AS endpoints FROM hubspot_fdw_stats();
-- just under the limit, it goes out: HubSpot knows no such record
SELECT count(*) FROM partner_clients WHERE id = repeat('9', 8000);
-- (the length of the path after its version's prefix, /crm/v3/objects/ or
-- /crm/objects/{version}/)
SELECT method, length(regexp_replace(path, '^/crm/[^/]+/[^/]+/', '')) AS path_length, status
  FROM emu_requests ORDER BY seq;

-- 6. A cancel or statement_timeout interrupting the wait for a batch write:
-- the warning counts the batch being waited for, which HubSpot then applies
CALL emu_reset();
CALL emu_faults('{"delays": [{"ms": 3000, "match": {"path_contains": "/batch/update"}}]}');
SET statement_timeout = '500ms';
SELECT sqlstate, message
  FROM try($$UPDATE partner_clients SET hs_country = 'TO' WHERE id IN ('501', '502')$$);
RESET statement_timeout;
SELECT pg_sleep(3);  -- let the emulator answer the abandoned batch
SELECT id, hs_country FROM partner_clients WHERE id IN ('501', '502') ORDER BY id;
-- three batches in flight, the statement waiting for the first
CALL emu_reset();
CALL emu_faults('{"delays": [{"ms": 3000, "match": {"path_contains": "/batch/update"}}]}');
SET statement_timeout = '1500ms';
SELECT sqlstate, message
  FROM try($$UPDATE partner_clients SET hs_country = 'TO' WHERE tier = 'gold'$$);
RESET statement_timeout;
SELECT pg_sleep(3);  -- let the emulator answer the abandoned batches
SELECT count(*) FILTER (WHERE path LIKE '%/batch/update') AS batches,
       sum(jsonb_array_length(body->'inputs')) AS inputs
  FROM emu_requests;
SELECT count(*) AS applied FROM partner_clients WHERE hs_country = 'TO';
CALL emu_faults('{}');
CALL emu_reset();
