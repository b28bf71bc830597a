--
-- The rate budget learned from HubSpot's answers: rate_limit_per_10s 'auto'
-- (the default) starts at 100 per 10 s, then follows X-HubSpot-RateLimit-Max
-- and -Interval-Milliseconds as the answers state them, shared by every
-- session (hubspot_fdw is preloaded here); a number still fixes the budget.
-- hubspot_fdw_rate_limit() shows it, with the daily figures, and a DAILY
-- 429 says what is known of when the limit comes back.
--
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv client_id HUBSPOT_TEST_CLIENT_ID
\getenv client_secret HUBSPOT_TEST_CLIENT_SECRET
\getenv refresh_token HUBSPOT_TEST_REFRESH_TOKEN
CALL emu_reset();
\set token_url :emu_url '/oauth/v1/token'

-- hubspot_fdw_rate_limit() of a server, without the times (they vary).
CREATE FUNCTION budget(server text)
RETURNS TABLE (rate_limit_per_10s text, limit_per_window int, window_ms int,
               stated_max int, stated_window_ms int, stated boolean,
               daily_limit bigint, daily_remaining bigint)
LANGUAGE sql AS $$
  SELECT rate_limit_per_10s, limit_per_window, window_ms, stated_max, stated_window_ms,
         stated_at IS NOT NULL,
         daily_limit, daily_remaining
    FROM hubspot_fdw_rate_limit(server)
$$;

-- Run "sql" and show the error it raises, with its detail and hint
-- (correlation ids masked).
CREATE FUNCTION try_hint(sql text)
RETURNS TABLE (sqlstate text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; det text; hnt text;
BEGIN
  EXECUTE sql;
  RETURN QUERY SELECT 'ok'::text, NULL::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                          det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
  RETURN QUERY SELECT st, msg,
    regexp_replace(det, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'g'),
    hnt;
END $$;

-- An OAuth mapping, so that no other suite's requests share its budget.
CREATE SERVER hs_rate FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', oauth_token_url :'token_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_rate
  OPTIONS (client_id :'client_id', client_secret :'client_secret', refresh_token :'refresh_token');
CREATE FOREIGN TABLE rate_pc (id text, hs_name text)
  SERVER hs_rate OPTIONS (object_type 'partner_clients');

-- 1. A budget nothing has stated yet: auto paces at 100 per 10 s. An answer
-- without the headers states nothing, and the budget stays there.
CREATE SERVER hs_unstated FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_unstated OPTIONS (access_token 'never-valid-token');
CREATE FOREIGN TABLE unstated_pc (id text) SERVER hs_unstated OPTIONS (object_type 'partner_clients');
SELECT * FROM budget('hs_unstated');
CALL emu_faults('{"rate_limit_headers": false}');
SELECT sqlstate FROM try($$SELECT * FROM unstated_pc WHERE id = '501'$$);
SELECT * FROM budget('hs_unstated');

-- 2. HubSpot states 20 per second and enforces it: 62 requests (3 list
-- pages, 59 PATCHes) are paced at that, not at 100 per 10 s, and none
-- gets a 429.
CALL emu_faults('{"enforce_rate_limit": {"max": 20, "interval_ms": 1000}}');
CALL emu_clear();
SELECT affected($$UPDATE rate_pc SET hs_name = 'paced ' || id WHERE id::int < 560 RETURNING id$$) AS patched;
SELECT count(*) FILTER (WHERE method = 'PATCH' AND status = 200) AS patches,
       count(*) FILTER (WHERE status = 429) <= 2 AS at_most_two_429
  FROM emu_requests;
SELECT rate_limit_per_10s, limit_per_window, window_ms, stated_max, stated_window_ms, stated,
       daily_limit, daily_remaining < daily_limit AS daily_counted
  FROM budget('hs_rate');
-- every session sees (and spends) the same budget
\c
SELECT rate_limit_per_10s, limit_per_window, window_ms, stated_max, stated_window_ms, stated
  FROM budget('hs_rate');

-- 3. A number fixes the budget: at 100 per 10 s, the 21st request within a
-- second gets HubSpot's 429 (not retried here).
ALTER SERVER hs_rate OPTIONS (ADD rate_limit_per_10s '100', max_retries '0');
CALL emu_faults('{"enforce_rate_limit": {"max": 20, "interval_ms": 1000}}');
CALL emu_clear();
SELECT sqlstate, message
  FROM try($$UPDATE rate_pc SET hs_name = 'fixed ' || id WHERE id::int < 540 RETURNING id$$);
SELECT count(*) FILTER (WHERE status = 429) AS answers_429 FROM emu_requests;
SELECT rate_limit_per_10s, limit_per_window, window_ms, stated_max, stated_window_ms, stated
  FROM budget('hs_rate');
ALTER SERVER hs_rate OPTIONS (DROP rate_limit_per_10s);

-- 4. The daily limit: the answers state it and what remains; a DAILY 429
-- says that HubSpot resets it at midnight in the account's time zone.
CALL emu_faults('{"enforce_rate_limit": {"max": 100, "daily": 3}}');
SELECT id FROM rate_pc WHERE id = '501';
SELECT id FROM rate_pc WHERE id = '502';
SELECT * FROM budget('hs_rate');
SELECT id FROM rate_pc WHERE id = '503';
SELECT * FROM try_hint($$SELECT id FROM rate_pc WHERE id = '504'$$);
SELECT * FROM budget('hs_rate');
-- with a Retry-After, it also says until when
CALL emu_faults('{"fail_next": [{"status": 429, "policy": "DAILY", "retry_after": 7200}]}');
SELECT sqlstate, message,
       regexp_replace(detail, 'until [0-9][^.]*\.', 'until <time>.') AS detail
  FROM try($$SELECT * FROM rate_pc WHERE id = '505'$$);
CALL emu_faults('{}');

-- 5. Errors: a server that is not hubspot_fdw's, one without a mapping.
CREATE FOREIGN DATA WRAPPER not_hubspot;
CREATE SERVER not_hs FOREIGN DATA WRAPPER not_hubspot;
SELECT * FROM budget('not_hs');
CREATE SERVER hs_nomap FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
SELECT * FROM budget('hs_nomap');
SELECT * FROM budget('no_such_server');

SET client_min_messages = warning;
DROP SERVER hs_rate, hs_unstated, hs_nomap CASCADE;
DROP FOREIGN DATA WRAPPER not_hubspot CASCADE;
RESET client_min_messages;
DROP FUNCTION budget(text);
DROP FUNCTION try_hint(text);
CALL emu_reset();
