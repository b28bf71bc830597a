--
-- The shared rate limiter (hubspot_fdw is preloaded here): a wait HubSpot
-- asks for that is longer than hubspot_fdw waits fails at once instead of
-- holding every session, shows in hubspot_fdw_stats() and is forgotten by
-- hubspot_fdw_stats_reset(); a token's history and wait are never dropped
-- to make room for another token, and a full limiter says so.
--
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv token HUBSPOT_TEST_TOKEN
CALL emu_reset();
SELECT hubspot_fdw_stats_reset();
-- a safety net: before the fix, a long Retry-After was waited out
SET statement_timeout = '20s';

-- Run "sql" and show the error it raises with its hint; numbers of
-- seconds are masked (they count down), and checked apart.
CREATE FUNCTION try_hint(sql text)
RETURNS TABLE (sqlstate text, message text, hint text)
LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; hnt text;
BEGIN
  EXECUTE sql;
  RETURN QUERY SELECT 'ok'::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS OR query_canceled THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hnt = PG_EXCEPTION_HINT;
  RETURN QUERY SELECT st, regexp_replace(msg, 'wait [0-9]+ more', 'wait N more'), hnt;
END $$;

-- The seconds a "wait N more seconds" error of "sql" gives, or NULL.
CREATE FUNCTION wait_seconds(sql text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  msg text;
BEGIN
  EXECUTE sql;
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
  RETURN substring(msg FROM 'wait ([0-9]+) more')::int;
END $$;

-- A paced server with the valid token, and max_retries at its default.
CREATE SERVER hubspot_lim FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_lim OPTIONS (access_token :'token');
CREATE FOREIGN TABLE pc_lim (id text, hs_name text)
  SERVER hubspot_lim OPTIONS (object_type 'partner_clients');

-- 1. A 429 with Retry-After: 3600 fails the statement at once (not after
-- a wait), and the hint gives the time HubSpot asked for.
CALL emu_faults('{"fail_next": [{"status": 429, "retry_after": 3600, "match": {"method": "GET"}}]}');
SELECT * FROM try_hint($$SELECT * FROM pc_lim WHERE id = '501'$$);
SELECT method, path, status FROM emu_requests ORDER BY seq;
-- the wait holds the token: the next statement fails at once, unsent
CALL emu_faults('{}');
CALL emu_clear();
SELECT * FROM try_hint($$SELECT * FROM pc_lim WHERE id = '502'$$);
SELECT wait_seconds($$SELECT * FROM pc_lim WHERE id = '502'$$) BETWEEN 3500 AND 3600 AS seconds_left;
SELECT count(*) AS requests_sent FROM emu_requests;

-- 2. The wait is shared: a new session with the token is held too, and
-- sees the wait in hubspot_fdw_stats(), which shows the request that got
-- the 429, the milliseconds left and the 429's correlation id.
\c
SET statement_timeout = '20s';
SELECT sqlstate, message FROM try_hint($$SELECT * FROM pc_lim WHERE id = '503'$$);
SELECT count(*) AS requests_sent FROM emu_requests;
SELECT endpoint, requests, wait_ms BETWEEN 3500000 AND 3600000 AS wait_left_about_1h,
       last_correlation_id IS NOT NULL AS has_correlation_id
  FROM hubspot_fdw_stats();
-- hubspot_fdw_stats_reset() forgets it: the token works again
SELECT hubspot_fdw_stats_reset();
SELECT count(*) AS stats_rows FROM hubspot_fdw_stats();
SELECT id, hs_name FROM pc_lim WHERE id = '503';
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- 3. A 477 with a Retry-After longer than 60 s is not waited for either.
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 477, "headers": {"Retry-After": "120"}, "match": {"method": "GET"}}]}');
SELECT * FROM try_hint($$SELECT * FROM pc_lim WHERE id = '504'$$);
SELECT method, path, status FROM emu_requests ORDER BY seq;
CALL emu_faults('{}');

-- 4. Other tokens never push a busy token out (before the fix, 32 slots
-- were reused least recently used first). Token T gets a long wait again,
-- and token P (rate_limit_per_10s 2) sends the 2 requests of its window.
CALL emu_faults('{"fail_next": [{"status": 429, "retry_after": 3600, "match": {"method": "GET"}}]}');
SELECT sqlstate, message FROM try_hint($$SELECT * FROM pc_lim WHERE id = '505'$$);
CALL emu_faults('{}');
CREATE SERVER hubspot_p FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '2');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_p OPTIONS (access_token 'limiter-p-token');
CREATE FOREIGN TABLE pc_p (id text) SERVER hubspot_p OPTIONS (object_type 'partner_clients');
SELECT sqlstate FROM try($$SELECT * FROM pc_p WHERE id = '501'$$);
SELECT sqlstate FROM try($$SELECT * FROM pc_p WHERE id = '502'$$);
-- then 40 other paced tokens send a request each (HubSpot refuses them)
CREATE SERVER hubspot_busy FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_busy OPTIONS (access_token 'busy-token-0');
CREATE FOREIGN TABLE pc_busy (id text) SERVER hubspot_busy OPTIONS (object_type 'partner_clients');
CALL emu_clear();
DO $$
BEGIN
  FOR i IN 1 .. 40 LOOP
    EXECUTE format('ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot_busy OPTIONS (SET access_token %L)',
                   'busy-token-' || i);
    BEGIN
      PERFORM * FROM pc_busy WHERE id = '501';
    EXCEPTION WHEN invalid_authorization_specification THEN
      NULL;
    END;
  END LOOP;
END $$;
SELECT count(*) AS requests, bool_and(status = 401) AS all_401 FROM emu_requests;
CALL emu_clear();
-- P's window is still full: its third request waits (here until the
-- statement timeout), unsent
SET statement_timeout = '2s';
SELECT sqlstate, message FROM try($$SELECT * FROM pc_p WHERE id = '503'$$);
SET statement_timeout = '20s';
-- T still waits: refused at once, unsent
SELECT sqlstate, message FROM try_hint($$SELECT * FROM pc_lim WHERE id = '506'$$);
SELECT count(*) AS requests_sent FROM emu_requests;

-- 5. A full limiter says so. One token per slot gets a 60 s wait (a 429
-- with Retry-After: 60, not retried): one WARNING for the statement.
CREATE SERVER hubspot_fill FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '0', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_fill OPTIONS (access_token 'fill-token-0');
CREATE FOREIGN TABLE pc_fill (id text) SERVER hubspot_fill OPTIONS (object_type 'partner_clients');
CALL emu_faults('{"rules": [{"n": 1, "status": 429, "retry_after": 60}]}');
DO $$
DECLARE
  -- 40 before the fix: more than its 32 slots
  n int := coalesce(current_setting('hubspot_fdw.rate_limit_tokens', true)::int, 40);
BEGIN
  FOR i IN 1 .. n LOOP
    EXECUTE format('ALTER USER MAPPING FOR CURRENT_USER SERVER hubspot_fill OPTIONS (SET access_token %L)',
                   'fill-token-' || i);
    BEGIN
      PERFORM * FROM pc_fill WHERE id = '501';
    EXCEPTION WHEN configuration_limit_exceeded THEN
      NULL;
    END;
  END LOOP;
END $$;
SELECT count(*) = coalesce(current_setting('hubspot_fdw.rate_limit_tokens', true)::int, 40) AS one_429_per_token,
       bool_and(status = 429) AS all_429
  FROM emu_requests;
CALL emu_faults('{}');
CALL emu_clear();
-- T and P still wait
SELECT sqlstate, message FROM try_hint($$SELECT * FROM pc_lim WHERE id = '507'$$);
SET statement_timeout = '1s';
SELECT sqlstate, message FROM try($$SELECT * FROM pc_p WHERE id = '504'$$);
SET statement_timeout = '20s';
-- a new paced token finds no slot: a WARNING, and it goes out unpaced
CREATE SERVER hubspot_new FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '100');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_new OPTIONS (access_token 'limiter-new-token');
CREATE FOREIGN TABLE pc_new (id text) SERVER hubspot_new OPTIONS (object_type 'partner_clients');
SELECT sqlstate, message FROM try($$SELECT * FROM pc_new WHERE id = '501'$$);
SELECT method, path, status, auth FROM emu_requests ORDER BY seq;
-- this session sees T's wait and the fill tokens' ones
SELECT count(*) FILTER (WHERE wait_ms > 60000) AS long_waits,
       count(*) FILTER (WHERE wait_ms <= 60000) > 0 AS short_waits_seen,
       bool_and(endpoint = '(wait asked by HubSpot) GET /crm/v3/objects/partner_clients/{id}') AS labels
  FROM hubspot_fdw_stats() WHERE endpoint LIKE '(wait asked by HubSpot)%';
-- the reset forgets this session's waits, which frees their slots
SELECT hubspot_fdw_stats_reset();
SELECT count(*) AS stats_rows FROM hubspot_fdw_stats();
CALL emu_clear();
SELECT id, hs_name FROM pc_lim WHERE id = '507';
SELECT sqlstate, message FROM try($$SELECT * FROM pc_new WHERE id = '502'$$);
SELECT method, path, status, auth FROM emu_requests ORDER BY seq;

-- 6. A retry that HubSpot's wait refuses reports the attempt made: another
-- session's batch/update is answered 503 (HubSpot may have applied it)
-- after this session's 429 asked the token to wait an hour. Its retry is
-- not sent, and its error is the 503's, not "not sent".
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
CALL emu_reset();
CALL emu_faults('{"delays": [{"ms": 1500, "match": {"path_contains": "/batch/update"}}],
                  "fail_next": [{"status": 503, "match": {"path_contains": "/batch/update"}},
                                {"status": 429, "retry_after": 3600, "match": {"method": "GET"}}]}');
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s',
  split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_database()));
SELECT dblink_send_query('other',
  $$SELECT sqlstate, message FROM try('UPDATE pc_lim SET hs_name = ''x'' WHERE id IN (''502'', ''503'')')$$);
SELECT pg_sleep(0.5);
SELECT sqlstate FROM try_hint($$SELECT * FROM pc_lim WHERE id = '501'$$);
SELECT * FROM dblink_get_result('other') AS t(sqlstate text, message text);
SELECT dblink_disconnect('other');
SELECT method, path, status FROM emu_requests ORDER BY seq;
SELECT hubspot_fdw_stats_reset();

RESET statement_timeout;
SET client_min_messages = warning;
DROP SERVER hubspot_lim, hubspot_p, hubspot_busy, hubspot_fill, hubspot_new CASCADE;
RESET client_min_messages;
DROP FUNCTION try_hint(text);
DROP FUNCTION wait_seconds(text);
