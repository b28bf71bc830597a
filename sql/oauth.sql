--
-- OAuth mappings: client_id, client_secret and refresh_token instead of an
-- access_token. The extension gets access tokens from the token endpoint,
-- refreshes them before they expire and once after a 401 that says one
-- expired, shares them between sessions (hubspot_fdw is preloaded here),
-- and never shows a secret (the runner also searches every output and the
-- server log for the client secret, the refresh token and every access
-- token the emulator issued).
--
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv client_id HUBSPOT_TEST_CLIENT_ID
\getenv client_secret HUBSPOT_TEST_CLIENT_SECRET
\getenv refresh_token HUBSPOT_TEST_REFRESH_TOKEN
\getenv token HUBSPOT_TEST_TOKEN
CALL emu_reset();

-- The emulator's OAuth counters (token requests, tokens issued, refusals);
-- with "change", its OAuth state is changed first.
CREATE FUNCTION emu_oauth(change jsonb DEFAULT NULL) RETURNS jsonb
LANGUAGE sql AS $$ SELECT doc FROM emu('oauth', change::text) doc $$;

-- 1. The validator: all three OAuth options or none, never with access_token.
\set token_url :emu_url '/oauth/2026-03/token'
CREATE SERVER hs_oauth FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', oauth_token_url :'token_url', rate_limit_per_10s '0');
\set VERBOSITY default
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_oauth OPTIONS (client_id 'x');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_oauth OPTIONS (client_id 'x', refresh_token 'y');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_oauth
  OPTIONS (access_token 'a', client_id 'x', client_secret 's', refresh_token 'y');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_oauth OPTIONS (client_secret 's p a c e');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (refresh_token 'y');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (oauth_token_url 'https://api.hubapi.com/token?x=1');
\set VERBOSITY terse
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_oauth
  OPTIONS (client_id :'client_id', client_secret :'client_secret', refresh_token :'refresh_token');
-- switching to an access token takes dropping the three in the same statement
ALTER USER MAPPING FOR CURRENT_USER SERVER hs_oauth OPTIONS (ADD access_token 'a');
-- a failed CREATE naming a secret is logged without its statement
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_oauth
  OPTIONS (client_id :'client_id', client_secret :'client_secret', refresh_token :'refresh_token');
\set VERBOSITY default

CREATE FOREIGN TABLE oauth_pc (id text, hs_name text)
  SERVER hs_oauth OPTIONS (object_type 'partner_clients');
CREATE FOREIGN TABLE oauth_contacts (id text, firstname text)
  SERVER hs_oauth OPTIONS (object_type 'contacts');

-- 2. The first request gets a token (a form-encoded POST, the secrets never
-- in the emulator's log either); the next statements reuse it.
SELECT id, hs_name FROM oauth_pc WHERE id = '501';
SELECT id, hs_name FROM oauth_pc WHERE id = '502';
SELECT method, path, body, content_type, status, auth FROM emu_requests ORDER BY seq;
SELECT endpoint, requests, failures FROM hubspot_fdw_stats() WHERE endpoint LIKE 'POST /oauth%';

-- 3. A token HubSpot says expired (401 EXPIRED_AUTHENTICATION) is refreshed
-- once and the request sent again: nothing fails.
CALL emu_clear();
SELECT emu_oauth('{"expire": true}')->'live_tokens' AS live_tokens;
UPDATE oauth_pc SET hs_name = 'renewed' WHERE id = '503';
SELECT method, path, status, auth FROM emu_requests ORDER BY seq;
SELECT emu_object('partner_clients/503')->'properties'->>'hs_name' AS stored;

-- 4. A statement that outlives several 2-second tokens completes, and no
-- write is lost: 3,005 contacts, paged and written in batches of 100, each
-- request taking 150 ms.
SELECT doc->>'created' AS created
  FROM emu('bulk', '{"type": "contacts", "count": 3000, "properties": {"email": "oauth{n}@example.com", "firstname": "Before"}}') doc;
SELECT emu_oauth('{"expires_in": 2, "expire": true}')->'expires_in' AS expires_in;
CALL emu_clear();
CALL emu_faults('{"delays": [{"ms": 150, "match": {"path_prefix": "/crm/"}}]}');
SELECT (emu_oauth()->>'token_requests')::int AS before \gset
SELECT affected($$UPDATE oauth_contacts SET firstname = 'After ' || id$$) AS updated;
CALL emu_faults('{}');
SELECT (emu_oauth()->>'token_requests')::int - :before >= 3 AS refreshed_three_times_or_more;
SELECT count(*) FILTER (WHERE path LIKE '%/batch/update' AND status = 200) AS batches_applied,
       sum(jsonb_array_length(body->'inputs')) FILTER (WHERE path LIKE '%/batch/update' AND status = 200) AS inputs_applied,
       count(*) FILTER (WHERE status NOT IN (200, 401)) AS other_answers
  FROM emu_requests;
SELECT count(*) AS contacts, count(*) FILTER (WHERE firstname = 'After ' || id) AS written
  FROM oauth_contacts;

-- 5. 20 sessions of the mapping, each sending requests for 5 s, share the
-- access token: about one refresh per 1.5 s (a 2-second token is refreshed
-- when a quarter of its life is left), not one per session.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
CREATE FUNCTION oauth_load(seconds float8) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  t_end timestamptz := clock_timestamp() + seconds * interval '1 s';
  n int := 0;
BEGIN
  WHILE clock_timestamp() < t_end LOOP
    PERFORM * FROM oauth_pc WHERE id = '501';
    n := n + 1;
    PERFORM pg_sleep(0.1);
  END LOOP;
  RETURN n;
END $$;
CREATE TEMP TABLE sessions AS SELECT 'oauth' || i AS name FROM generate_series(1, 20) i;
SELECT count(*) AS connected FROM sessions,
  LATERAL dblink_connect(name, format('host=%s port=%s dbname=%s',
    split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'),
    current_database())) c;
SELECT emu_oauth('{"expire": true}')->'live_tokens' AS live_tokens;
SELECT (emu_oauth()->>'token_requests')::int AS before, clock_timestamp() AS t0 \gset
SELECT count(*) AS started FROM sessions, LATERAL dblink_send_query(name, 'SELECT oauth_load(5)') q;
CREATE TEMP TABLE loads AS
  SELECT name, n FROM sessions, LATERAL dblink_get_result(name) AS t(n int);
SELECT (emu_oauth()->>'token_requests')::int - :before AS refreshes,
       extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS seconds \gset
SELECT count(*) AS sessions, bool_and(n >= 20) AS each_sent_20_or_more FROM loads;
SELECT :refreshes >= 1 AND :refreshes <= ceil(:seconds / 1.5) + 1 AS one_refresh_per_token_lifetime;
SELECT count(*) AS disconnected FROM sessions, LATERAL dblink_disconnect(name) d;

-- 6. A revoked refresh token fails cleanly: 28000 with the endpoint's words.
SELECT emu_oauth('{"revoke": true, "expire": true}')->'live_tokens' AS live_tokens;
CALL emu_clear();
SELECT * FROM try($$SELECT * FROM oauth_pc WHERE id = '504'$$);
SELECT method, path, status, auth FROM emu_requests ORDER BY seq;
-- another statement asks again (the refusal is not kept), and fails the same way
SELECT sqlstate, message FROM try($$UPDATE oauth_pc SET hs_name = 'x' WHERE id = '504'$$);
SELECT count(*) AS token_requests FROM emu_requests WHERE path = '/oauth/2026-03/token';

-- 7. A token endpoint that echoes the request's secrets finds them masked.
CALL emu_reset();
SELECT emu_oauth('{"expire": true}')->'live_tokens' AS live_tokens;
CALL emu_faults('{"fail_next": [{"status": 400, "echo_body": true, "match": {"path": "/oauth/2026-03/token"},
                  "raw": "{\"status\":\"BAD_REFRESH_TOKEN\",\"message\":\"cannot use {body}\"}",
                  "headers": {"X-HubSpot-Correlation-Id": "{body}"}}]}');
SELECT * FROM try($$SELECT * FROM oauth_pc WHERE id = '505'$$);
CALL emu_faults('{}');
-- an answer without an access token, or with one that cannot go in a header
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/oauth/2026-03/token"},
                  "body": {"token_type": "bearer", "expires_in": 1800}},
                 {"status": 200, "match": {"path": "/oauth/2026-03/token"},
                  "body": {"access_token": "two words", "expires_in": 1800}}]}');
SELECT sqlstate, message FROM try($$SELECT * FROM oauth_pc WHERE id = '505'$$);
SELECT sqlstate, message FROM try($$SELECT * FROM oauth_pc WHERE id = '505'$$);
CALL emu_faults('{}');
-- a 503 from the token endpoint is retried like any request
CALL emu_faults('{"fail_next": [{"status": 503, "match": {"path": "/oauth/2026-03/token"}}]}');
SELECT id FROM oauth_pc WHERE id = '505';
CALL emu_faults('{}');

-- 8. No secret in the stats, EXPLAIN, or the catalog as another role sees it.
SELECT count(*) AS stats_rows_with_secrets FROM hubspot_fdw_stats() s
 WHERE s::text LIKE '%' || :'client_secret' || '%' OR s::text LIKE '%' || :'refresh_token' || '%';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM oauth_pc WHERE id = '501';
CREATE ROLE hs_oauth_reader;
GRANT USAGE ON FOREIGN SERVER hs_oauth TO hs_oauth_reader;
SET ROLE hs_oauth_reader;
SELECT srvname, umoptions FROM pg_user_mappings WHERE srvname = 'hs_oauth';
RESET ROLE;

-- 9. oauth_token_url follows api_url's rules: a role that is not a superuser
-- may use HubSpot's (the default) but not plain http or another host; a
-- stored value no one may set now is refused before anything is sent.
CREATE ROLE hs_oauth_owner;
GRANT USAGE ON FOREIGN DATA WRAPPER hubspot_fdw TO hs_oauth_owner;
SET ROLE hs_oauth_owner;
CREATE SERVER hs_oauth_owned FOREIGN DATA WRAPPER hubspot_fdw;
CREATE SERVER hs_oauth_evil FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (oauth_token_url 'http://127.0.0.1:9/oauth/2026-03/token');
CREATE SERVER hs_oauth_evil FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (oauth_token_url 'https://collector.evil.example/token');
RESET ROLE;
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'hs_oauth_owned';
CALL emu_clear();
UPDATE pg_foreign_server SET srvoptions = srvoptions || ARRAY['oauth_token_url=http://127.evil.example/token']
 WHERE srvname = 'hs_oauth';
SELECT emu_oauth('{"expire": true}')->'live_tokens' AS live_tokens;
SELECT * FROM try($$SELECT * FROM oauth_pc WHERE id = '506'$$);
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- 10. A mapping that loses or changes its credentials while a scan is open:
-- the scan ends with the credentials it began with, the next statement
-- sees the change (28000 while the mapping has none), and nothing crashes.
CREATE SERVER hs_rotate FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', oauth_token_url :'token_url', rate_limit_per_10s '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_rotate OPTIONS (access_token :'token');
CREATE FOREIGN TABLE rotate_pc (id text) SERVER hs_rotate OPTIONS (object_type 'partner_clients');
CALL emu_clear();
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM rotate_pc;
FETCH 1 FROM c;
ALTER USER MAPPING FOR CURRENT_USER SERVER hs_rotate OPTIONS (DROP access_token);
SELECT * FROM try($$SELECT count(*) FROM rotate_pc$$);
MOVE FORWARD ALL FROM c;
SELECT count(*) AS pages_with_old_token FROM emu_requests
 WHERE path = '/crm/v3/objects/partner_clients' AND status = 200;
COMMIT;
SELECT * FROM try($$SELECT count(*) FROM rotate_pc$$);
-- the same from OAuth credentials to none, and back to a token
ALTER USER MAPPING FOR CURRENT_USER SERVER hs_rotate
  OPTIONS (ADD client_id :'client_id', ADD client_secret :'client_secret', ADD refresh_token :'refresh_token');
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM rotate_pc;
FETCH 1 FROM c;
ALTER USER MAPPING FOR CURRENT_USER SERVER hs_rotate
  OPTIONS (DROP client_id, DROP client_secret, DROP refresh_token);
SELECT * FROM try($$SELECT count(*) FROM rotate_pc$$);
MOVE FORWARD ALL FROM c;
FETCH 1 FROM c;
COMMIT;
SELECT count(*) AS pages_sent FROM emu_requests
 WHERE path = '/crm/v3/objects/partner_clients' AND status = 200;
ALTER USER MAPPING FOR CURRENT_USER SERVER hs_rotate OPTIONS (ADD access_token :'token');
SELECT count(*) FROM rotate_pc;
SET client_min_messages = warning;
DROP SERVER hs_rotate CASCADE;
RESET client_min_messages;

SET client_min_messages = warning;
DROP SERVER hs_oauth, hs_oauth_owned CASCADE;
RESET client_min_messages;
REVOKE USAGE ON FOREIGN DATA WRAPPER hubspot_fdw FROM hs_oauth_owner;
DROP ROLE hs_oauth_reader, hs_oauth_owner;
DROP FUNCTION oauth_load(float8);
DROP FUNCTION emu_oauth(jsonb);
CALL emu_reset();
