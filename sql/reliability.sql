--
-- Retries, rate limits and cancellation: jobs finish correctly under
-- HubSpot's load answers, or fail clearly; nothing is applied twice wrongly.
--
\getenv emu_url HUBSPOT_EMULATOR_URL
CALL emu_reset();
SELECT hubspot_fdw_stats_reset();

-- 300 rows under a 429 every 4th request and a 502 every 5th: all applied
CALL emu_faults('{"rules": [{"n": 4, "status": 429, "policy": "TEN_SECONDLY_ROLLING", "retry_after": 0},
                            {"n": 5, "status": 502}]}');
UPDATE partner_clients SET hs_country = 'CH';
CALL emu_faults('{}');
SELECT count(*) FILTER (WHERE hs_country = 'CH') AS applied, count(*) FROM partner_clients;
-- what HubSpot received: every id in exactly one accepted batch input, and
-- every refused request retried (which requests the faults hit depends on
-- how the overlapping requests arrive)
SELECT count(*) FILTER (WHERE status = 200 AND path LIKE '%/batch/update') AS accepted_batches,
       count(*) FILTER (WHERE status = 200 AND method = 'GET') AS accepted_pages,
       count(*) FILTER (WHERE status IN (429, 502)) > 0 AS faults_seen,
       count(*) FILTER (WHERE status NOT IN (200, 429, 502)) AS other_statuses
  FROM emu_requests;
SELECT count(*) AS accepted_inputs, count(DISTINCT i->>'id') AS distinct_ids
  FROM emu_requests, jsonb_array_elements(body->'inputs') i
 WHERE path LIKE '%/batch/update' AND status = 200;
SELECT sum(retries) = (SELECT count(*) FROM emu_requests WHERE status IN (429, 502)) AS every_fault_retried,
       sum(rate_limited) = (SELECT count(*) FROM emu_requests WHERE status = 429) AS every_429_counted,
       sum(rows_written) AS rows_written
  FROM hubspot_fdw_stats();
SELECT endpoint, last_correlation_id IS NOT NULL AS has_correlation_id
  FROM hubspot_fdw_stats() ORDER BY endpoint;

-- with batches overlapping, a statement failing while writes are in flight
-- cannot know their fate: a warning says how many there were
CALL emu_reset();
CALL emu_faults('{"delays": [{"ms": 2000, "match": {"path_contains": "/batch/update"}}]}');
SELECT sqlstate, message
  FROM try($$UPDATE partner_clients SET hs_country = CASE WHEN id = '790' THEN (1 / (length(id) - 3))::text ELSE 'AT' END$$);
CALL emu_faults('{}');
SELECT pg_sleep(2.2);  -- let the emulator finish the abandoned requests
CALL emu_reset();

-- retries give up after max_retries, and say so
ALTER SERVER hubspot OPTIONS (ADD max_retries '2');
CALL emu_clear();
CALL emu_faults('{"rules": [{"n": 1, "status": 503, "match": {"method": "PATCH"}}]}');
SELECT * FROM try($$UPDATE partner_clients SET tier = 'gold' WHERE id = '512'$$);
SELECT method, status, count(*) FROM emu_requests GROUP BY 1, 2;
ALTER SERVER hubspot OPTIONS (DROP max_retries);

-- 4xx other than 429 are never retried
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 409, "match": {"method": "PATCH"},
  "body": {"status": "error", "message": "A record with this value already exists", "category": "CONFLICT", "correlationId": "00000000-0000-0000-0000-000000000000"}}]}');
SELECT * FROM try($$UPDATE partner_clients SET tier = 'gold' WHERE id = '512'$$);
SELECT method, status, count(*) FROM emu_requests GROUP BY 1, 2;

-- the daily limit is not retried: it is reported
CALL emu_clear();
CALL emu_faults('{"rules": [{"n": 1, "status": 429, "policy": "DAILY", "match": {"method": "PATCH"}}]}');
SELECT * FROM try($$UPDATE partner_clients SET tier = 'gold' WHERE id = '512'$$);
SELECT method, status, count(*) FROM emu_requests GROUP BY 1, 2;

-- a connection cut mid-answer is retried (the write is idempotent)
CALL emu_clear();
CALL emu_faults('{"reset_connection_every": {"n": 2, "mode": "mid_response"}}');
UPDATE partner_clients SET tier = 'silver' WHERE id IN ('601', '602');
UPDATE partner_clients SET tier = 'silver' WHERE id = '603';
CALL emu_faults('{}');
SELECT id, tier FROM partner_clients WHERE id IN ('601', '602', '603') ORDER BY id;
SELECT method, path, status, count(*) FROM emu_requests GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- creating records is not idempotent: a batch/create that may have been
-- applied (its answer cut after HubSpot wrote, or a 502) is sent once, and
-- the error says HubSpot may have created the records
CREATE FOREIGN TABLE contacts_rel (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object_type 'contacts', batch_size '2');
CREATE VIEW emu_faults_seen AS
  SELECT r->>'method' AS method, r->>'path' AS path, r->>'status' AS status,
         coalesce(r->>'fault', '-') AS fault, count(*)
    FROM emu('requests') r GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
CALL emu_reset();
CALL emu_faults('{"reset_connection_every": {"n": 1, "mode": "mid_response",
                  "match": {"path_contains": "/batch/create", "body_contains": "r3@example.com"}}}');
SELECT sqlstate, message, substring(detail from 'HubSpot may.*') AS detail, context
  FROM try($$INSERT INTO contacts_rel (email, firstname) VALUES ('r1@example.com', 'R1'), ('r2@example.com', 'R2'), ('r3@example.com', 'R3')$$);
CALL emu_faults('{}');
SELECT * FROM emu_faults_seen;
-- HubSpot did create the records of the failed batch, once
SELECT email, firstname, count(*) FROM contacts_rel WHERE email LIKE 'r_@example.com' GROUP BY 1, 2 ORDER BY 1;
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 502, "match": {"path_contains": "/batch/create"}}]}');
SELECT * FROM try($$INSERT INTO contacts_rel (email) VALUES ('r4@example.com')$$);
CALL emu_faults('{}');
SELECT * FROM emu_faults_seen;
-- a 429 is a refusal before any work: a batch/create is retried
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 429, "headers": {"Retry-After": "0"}, "match": {"path_contains": "/batch/create"}}]}');
INSERT INTO contacts_rel (email) VALUES ('r5@example.com');
CALL emu_faults('{}');
SELECT * FROM emu_faults_seen;
SELECT email, count(*) FROM contacts_rel WHERE email IN ('r4@example.com', 'r5@example.com') GROUP BY 1 ORDER BY 1;
-- a batch/update hit the same ways is retried and succeeds
CALL emu_clear();
CALL emu_faults('{"reset_connection_every": {"n": 2, "mode": "mid_response", "match": {"path_contains": "/batch/update"}}}');
UPDATE partner_clients SET tier = 'bronze' WHERE id IN ('611', '612');
UPDATE partner_clients SET tier = 'bronze' WHERE id IN ('613', '614');
CALL emu_faults('{"fail_next": [{"status": 502, "match": {"path_contains": "/batch/update"}}]}');
UPDATE partner_clients SET tier = 'bronze' WHERE id IN ('615', '616');
CALL emu_faults('{}');
SELECT * FROM emu_faults_seen;
SELECT tier, count(*) FROM partner_clients WHERE id BETWEEN '611' AND '616' GROUP BY 1;
DROP VIEW emu_faults_seen;
DROP FOREIGN TABLE contacts_rel;
CALL emu_reset();

-- a back-off drives the other batches in flight: the answer of batch 2
-- (after 0.5 s) is read while batch 1 waits 2 s after its 429, so it does
-- not run out of its 1.5 s request_timeout_ms and is sent once
\getenv token HUBSPOT_TEST_TOKEN
CREATE SERVER hubspot_wait FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '0', request_timeout_ms '1500');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_wait OPTIONS (access_token :'token');
CREATE FOREIGN TABLE pc_wait (id text, tier text OPTIONS (property 'hs_tier'))
  SERVER hubspot_wait OPTIONS (object_type 'partner_clients', batch_size '2');
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 429, "headers": {"Retry-After": "2"}, "match": {"body_contains": "\"621\""}}],
                  "delays": [{"ms": 500, "match": {"body_contains": "\"623\""}}]}');
UPDATE pc_wait SET tier = 'gold' WHERE id IN ('621', '622', '623', '624');
CALL emu_faults('{}');
SELECT body->'inputs'->0->>'id' AS first_id, status, count(*)
  FROM emu_requests GROUP BY 1, 2 ORDER BY 1, 2;
DROP SERVER hubspot_wait CASCADE;

-- answers that are not what the API promises
CALL emu_faults('{"fail_next": [{"status": 200, "raw": "<html>maintenance</html>", "headers": {"Content-Type": "text/html"}, "match": {"method": "GET"}}]}');
SELECT * FROM try($$SELECT * FROM partner_clients WHERE id = '512'$$);
SET hubspot_fdw.max_response_size = '64kB';
CALL emu_faults('{"huge_body_bytes": 200000}');
SELECT * FROM try($$SELECT * FROM partner_clients WHERE id = '512'$$);
RESET hubspot_fdw.max_response_size;
CALL emu_faults('{}');

-- statement_timeout interrupts a slow answer with 57014, promptly
CALL emu_faults('{"delay_ms": 5000}');
SET statement_timeout = '500ms';
CREATE TEMP TABLE timing AS SELECT clock_timestamp() AS t0;
SELECT sqlstate, message FROM try($$SELECT * FROM partner_clients WHERE id = '512'$$);
SELECT clock_timestamp() - t0 < interval '1.5 s' AS within_1_5s FROM timing;
RESET statement_timeout;
-- and a back-off wait too
CALL emu_faults('{"rules": [{"n": 1, "status": 429, "policy": "TEN_SECONDLY_ROLLING", "retry_after": 30}]}');
SET statement_timeout = '500ms';
UPDATE timing SET t0 = clock_timestamp();
SELECT sqlstate, message FROM try($$SELECT * FROM partner_clients WHERE id = '512'$$);
SELECT clock_timestamp() - t0 < interval '1.5 s' AS within_1_5s FROM timing;
RESET statement_timeout;
CALL emu_faults('{}');
-- a batch/create cut off by a cancel after it went out: a WARNING says
-- HubSpot may have created its records, and the abort warning counts it
CREATE FOREIGN TABLE contacts_cancel (id text, email text)
  SERVER hubspot OPTIONS (object_type 'contacts');
CALL emu_faults('{"delay_ms": 3000}');
SET statement_timeout = '500ms';
SELECT sqlstate, message FROM try($$INSERT INTO contacts_cancel (email) VALUES ('cancel@example.com')$$);
RESET statement_timeout;
CALL emu_faults('{}');
DROP FOREIGN TABLE contacts_cancel;

-- backend termination while waiting for HubSpot: the backend exits promptly (57P01)
CREATE EXTENSION dblink;
CALL emu_faults('{"delay_ms": 5000}');
SELECT dblink_connect('victim', format('host=%s port=%s dbname=%s',
  split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_database()));
CREATE TEMP TABLE victim AS SELECT pid FROM dblink('victim', 'SELECT pg_backend_pid()') AS t(pid int);
SELECT dblink_send_query('victim', $$SELECT * FROM partner_clients WHERE id = '512'$$);
SELECT pg_sleep(0.3);
UPDATE timing SET t0 = clock_timestamp();
SELECT pg_terminate_backend(pid) FROM victim;
DO $$
BEGIN
  WHILE EXISTS (SELECT 1 FROM pg_stat_activity a JOIN victim v USING (pid))
        AND clock_timestamp() < (SELECT t0 FROM timing) + interval '10 s' LOOP
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT clock_timestamp() - t0 < interval '1.5 s' AS exited_within_1_5s FROM timing;
SELECT dblink_disconnect('victim');
CALL emu_faults('{}');

-- proactive pacing: at most rate_limit_per_10s requests in any 10 s, and
-- the budget is shared by every backend (hubspot_fdw is preloaded here)
\getenv token HUBSPOT_TEST_TOKEN
CREATE SERVER hubspot_paced FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_paced OPTIONS (access_token 'paced-token-not-valid');
CREATE FOREIGN TABLE pc_paced (id text) SERVER hubspot_paced OPTIONS (object_type 'partner_clients');
SELECT sqlstate FROM try($$SELECT * FROM pc_paced WHERE id = '501'$$);
SELECT sqlstate FROM try($$SELECT * FROM pc_paced WHERE id = '502'$$);
\c
-- a new backend: the third request of the window has to wait for the first to leave it
SELECT hubspot_fdw_stats_reset();
SELECT sqlstate FROM try($$SELECT * FROM pc_paced WHERE id = '503'$$);
SELECT endpoint, requests, wait_ms BETWEEN 5000 AND 11000 AS waited_for_window
  FROM hubspot_fdw_stats();
DROP SERVER hubspot_paced CASCADE;
