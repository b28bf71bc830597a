--
-- Hostile roles: where a server may send its users' access tokens
-- (api_url and hubspot_fdw.allowed_hosts), and the token in no log and no
-- message, even from a server that echoes it.
--
\set VERBOSITY default
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv token HUBSPOT_TEST_TOKEN
-- the emulator's port, masked as PORT in what is printed
SELECT substring(:'emu_url' from ':([0-9]+)$') AS emu_port \gset
CALL emu_reset();

-- Run "sql" and roll back whatever it did: 'accepted' when it succeeded,
-- else its SQLSTATE, message and detail, with the emulator's port masked.
CREATE FUNCTION refused(sql text, port text)
RETURNS TABLE (sqlstate text, message text, detail text)
LANGUAGE plpgsql AS $$
DECLARE st text; msg text; det text;
BEGIN
  BEGIN
    EXECUTE sql;
    RAISE EXCEPTION 'accepted' USING ERRCODE = 'P0001';
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  END;
  RETURN QUERY SELECT st, replace(msg, port, 'PORT'), replace(det, port, 'PORT');
END $$;

-- The api_url values every check below tries.
CREATE TABLE hostile_urls (n int, url text);
INSERT INTO hostile_urls VALUES
  (1, 'http://127.evil.example/'),                       -- a name, resolved through DNS
  (2, 'http://127.0.0.1:' || :'emu_port' || '/x#'),      -- the API path cut off: any local path
  (3, 'http://127.0.0.1:' || :'emu_port' || '/x?a=b'),   -- the same with a query
  (4, 'https://user@api.hubapi.com'),                    -- user information
  (5, 'http://127.0.0.1:' || :'emu_port'),               -- a loopback port (the emulator)
  (6, 'https://127.0.0.1:' || :'emu_port'),              -- the same over https
  (7, 'https://collector.evil.example/'),                -- a host outside allowed_hosts
  (8, 'https://api.hubapi.com:8443'),                    -- an allowed host on another port
  (9, 'http://127.1/'),                                  -- loopback, but not a plain address
  (10, 'http://api.hubapi.com'),                         -- plain http to a remote host
  (11, 'https://api.hubapi.com/#'),                      -- a fragment on the allowed host
  (12, 'https://api.hubapi.com/crm?x'),                  -- a query on the allowed host
  (13, 'https://api hubapi.com'),                        -- not a URL
  (14, 'https://api.hubapi.com:0'),                      -- no such port
  (15, 'https://[::1]:' || :'emu_port');                 -- IPv6 loopback
GRANT SELECT ON hostile_urls TO PUBLIC;

-- the setting and its default: HubSpot's API host
SHOW hubspot_fdw.allowed_hosts;
SELECT context FROM pg_settings WHERE name = 'hubspot_fdw.allowed_hosts';

-- a role that is not a superuser, owning a server at the default api_url,
-- and another role that maps its own token to that server
CREATE ROLE hs_owner;
CREATE ROLE hs_tenant;
GRANT USAGE ON FOREIGN DATA WRAPPER hubspot_fdw TO hs_owner;
SET ROLE hs_owner;
CREATE SERVER hs_owned FOREIGN DATA WRAPPER hubspot_fdw;
CREATE SERVER hs_owned2 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://api.hubapi.com/');
CREATE SERVER hs_owned3 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'HTTPS://API.HubAPI.com:443');
GRANT USAGE ON FOREIGN SERVER hs_owned TO hs_tenant;
ALTER SERVER hs_owned OPTIONS (ADD batch_size '50');
RESET ROLE;
CREATE USER MAPPING FOR hs_tenant SERVER hs_owned OPTIONS (access_token 'tenant-token-not-valid');

-- Every hostile api_url is refused to the owner, at CREATE SERVER and at
-- ALTER SERVER of the server its tenant's token goes to; nothing is sent.
SET ROLE hs_owner;
SELECT u.n, replace(u.url, :'emu_port', 'PORT') AS url, s.stmt, r.*
  FROM hostile_urls u,
       (VALUES (1, 'CREATE'), (2, 'ALTER')) s(k, stmt),
       LATERAL refused(CASE s.stmt
                         WHEN 'CREATE' THEN format('CREATE SERVER hs_evil FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %L)', u.url)
                         ELSE format('ALTER SERVER hs_owned OPTIONS (ADD api_url %L)', u.url) END,
                       :'emu_port') r
 ORDER BY u.n, s.k;
-- the owner cannot widen the list either
SELECT * FROM refused($$SET hubspot_fdw.allowed_hosts = 'collector.evil.example'$$, :'emu_port');
RESET ROLE;
SELECT srvname, srvoptions FROM pg_foreign_server WHERE srvname LIKE 'hs_owned%' ORDER BY 1;
SELECT count(*) AS requests FROM emu_requests;

-- A superuser may point a server anywhere over https, and at a literal
-- loopback address or localhost over plain http (the emulator); but no
-- one may use a query, a fragment, user information or a plain-http name.
SELECT u.n, replace(u.url, :'emu_port', 'PORT') AS url, r.*
  FROM hostile_urls u,
       LATERAL refused(format('CREATE SERVER hs_evil FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %L)', u.url),
                       :'emu_port') r
 ORDER BY u.n;
SELECT v.url, r.*
  FROM (VALUES ('http://localhost:8080'), ('http://127.255.0.1/base/'), ('http://[::1]'),
               ('https://hubspot-proxy.example:8443/hubspot'), ('http://0x7f000001/'),
               ('http://2130706433/'), ('http://127.0.0.01/'), ('http://[::ffff:127.0.0.1]/'),
               ('http://localhost.evil.example/'), ('https://'), ('https://:443'),
               ('ftp://api.hubapi.com'), ('https://api.hubapi.com:99999'),
               ('https://api.hubapi.com\x'), ('https://api.hubapi.com/a b'),
               ('https://api.hubapi.com/' || chr(233))) v(url),
       LATERAL refused(format('CREATE SERVER hs_evil FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %L)', v.url),
                       :'emu_port') r;

-- A superuser's server at the emulator works, and a superuser may alter
-- the owner's server to point there (the owner then can no longer alter it).
ALTER SERVER hs_owned OPTIONS (ADD api_url :'emu_url', rate_limit_per_10s '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_owned OPTIONS (access_token :'token');
CREATE FOREIGN TABLE hs_owned_clients (id text, hs_name text)
  SERVER hs_owned OPTIONS (object_type 'partner_clients');
SELECT id, hs_name FROM hs_owned_clients WHERE id = '512';
SET ROLE hs_owner;
SELECT * FROM refused($$ALTER SERVER hs_owned OPTIONS (SET batch_size '10')$$, :'emu_port');
RESET ROLE;
SELECT method, path, auth FROM emu_requests ORDER BY seq;

-- A superuser may widen the list, for a session or for everyone; an entry
-- without a port allows the host on 443 only.
SELECT * FROM refused($$SET hubspot_fdw.allowed_hosts = 'https://x.example'$$, :'emu_port');
SELECT * FROM refused($$SET hubspot_fdw.allowed_hosts = 'x.example:70000'$$, :'emu_port');
SET hubspot_fdw.allowed_hosts = 'api.hubapi.com, HubSpot-Proxy.example:8443,eu1.hubapi.com';
SET ROLE hs_owner;
SELECT v.url, r.*
  FROM (VALUES ('https://hubspot-proxy.example:8443/hubspot'), ('https://hubspot-proxy.example'),
               ('https://eu1.hubapi.com'), ('https://eu1.hubapi.com:8443')) v(url),
       LATERAL refused(format('CREATE SERVER hs_evil FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url %L)', v.url),
                       :'emu_port') r;
RESET ROLE;
SET hubspot_fdw.allowed_hosts = '';
SET ROLE hs_owner;
SELECT * FROM refused($$CREATE SERVER hs_evil FOREIGN DATA WRAPPER hubspot_fdw$$, :'emu_port');
RESET ROLE;
RESET hubspot_fdw.allowed_hosts;

-- An api_url in the catalog that no one may set now (written by an older
-- version) is refused when the server is used, before anything is sent.
CALL emu_clear();
UPDATE pg_foreign_server SET srvoptions = ARRAY['api_url=' || :'emu_url' || '/x#', 'rate_limit_per_10s=0']
 WHERE srvname = 'hs_owned';
SELECT * FROM refused($$SELECT id FROM hs_owned_clients WHERE id = '512'$$, :'emu_port');
UPDATE pg_foreign_server SET srvoptions = ARRAY['api_url=http://127.evil.example:' || :'emu_port']
 WHERE srvname = 'hs_owned';
SELECT * FROM refused($$SELECT id FROM hs_owned_clients$$, :'emu_port');
SELECT count(*) AS requests FROM emu_requests;

-- A user mapping statement that fails is not logged with its token: not
-- when the validator rejects it, nor when PostgreSQL does (the test runner
-- also searches the server log for the token).
CREATE USER MAPPING FOR hs_tenant SERVER hubspot OPTIONS (access_token :'token', batch_size '5');
CREATE USER MAPPING FOR hs_tenant SERVER hubspot OPTIONS (access_token :'token');
CREATE USER MAPPING FOR hs_tenant SERVER hubspot OPTIONS (access_token :'token');
\set badtoken :token ' x'
ALTER USER MAPPING FOR hs_tenant SERVER hubspot OPTIONS (SET access_token :'badtoken');
ALTER USER MAPPING FOR hs_tenant SERVER hubspot OPTIONS (ADD access_token :'token');
-- (terse: the client sees its own statement quoted in the context line)
\set VERBOSITY terse
DO $$ BEGIN
  EXECUTE format('CREATE USER MAPPING FOR hs_tenant SERVER hubspot OPTIONS (access_token %L, x %L)',
                 (SELECT token FROM emu_settings), 'y');
END $$;
-- a syntax error in a statement run through EXECUTE: logged as its QUERY
DO $$ BEGIN
  EXECUTE format('CREATE USER MAPPING FOR hs_tenant SERVER hubspot OPTIONS (access_token %L',
                 (SELECT token FROM emu_settings));
END $$;
\set VERBOSITY default
-- (pg_regress's server log; under make installcheck it is elsewhere and
-- this reads nothing)
SELECT CASE WHEN (pg_stat_file(f, true)).size IS NULL THEN false
            ELSE strpos(pg_read_file(f), (SELECT token FROM emu_settings)) > 0 END AS token_in_server_log
  FROM (SELECT current_setting('data_directory') || '/../../log/postmaster.log' AS f) l;
DROP USER MAPPING FOR hs_tenant SERVER hubspot;

-- A server that echoes the Authorization header, or the token anywhere in
-- its answer, does not get it into a message or hubspot_fdw_stats().
CALL emu_reset();
SELECT hubspot_fdw_stats_reset();
CALL emu_faults('{"fail_next": [{"status": 401, "echo_authorization": true,
  "raw": "{\"status\":\"error\",\"message\":\"Bad header Authorization: {authorization}\",\"correlationId\":\"{authorization}\",\"category\":\"INVALID_AUTHENTICATION\"}",
  "headers": {"X-HubSpot-Correlation-Id": "{authorization}"}}]}');
SELECT * FROM try($$SELECT id FROM partner_clients WHERE id = '512'$$);
SELECT endpoint, last_correlation_id FROM hubspot_fdw_stats() ORDER BY endpoint;
CALL emu_faults('{"fail_next": [{"status": 200, "echo_authorization": true, "raw": "x",
  "headers": {"Content-Type": "text/plain; {authorization}", "X-HubSpot-Correlation-Id": "c-{authorization}"}}]}');
SELECT * FROM try($$SELECT id FROM partner_clients WHERE id = '512'$$);
CALL emu_faults('{"fail_next": [{"status": 207, "echo_authorization": true, "match": {"path_contains": "batch/read"},
  "raw": "{\"status\":\"COMPLETE\",\"results\":[],\"errors\":[{\"status\":\"error\",\"category\":\"VALIDATION_ERROR\",\"message\":\"token was {authorization}\",\"context\":{\"ids\":[\"501\"]}}],\"startedAt\":\"2024-01-01T00:00:00.000Z\",\"completedAt\":\"2024-01-01T00:00:00.000Z\"}"}]}');
SELECT * FROM try($$SELECT id FROM partner_clients WHERE id IN ('501', '502')$$);
CALL emu_faults('{"fail_next": [{"status": 207, "echo_authorization": true, "match": {"path_contains": "batch/update"},
  "raw": "{\"status\":\"COMPLETE\",\"results\":[{\"id\":\"502\",\"properties\":{},\"createdAt\":\"2024-01-01T00:00:00.000Z\",\"updatedAt\":\"2024-01-01T00:00:00.000Z\",\"archived\":false}],\"errors\":[{\"status\":\"error\",\"category\":\"VALIDATION_ERROR\",\"message\":\"token was {authorization}\",\"context\":{\"ids\":[\"501\"]}}],\"startedAt\":\"2024-01-01T00:00:00.000Z\",\"completedAt\":\"2024-01-01T00:00:00.000Z\"}",
  "headers": {"X-HubSpot-Correlation-Id": "{authorization}"}}]}');
SELECT * FROM try($$UPDATE partner_clients SET hs_name = 'x' WHERE id IN ('501', '502')$$);
-- a record id that echoes the token: the request a message names masks it
CALL emu_faults('{"fail_next": [{"status": 200, "echo_authorization": true, "match": {"path": "/crm/v3/objects/partner_clients"},
  "raw": "{\"results\":[{\"id\":\"{authorization}\",\"properties\":{\"hs_name\":\"n\"}}]}"},
  {"status": 500, "match": {"method": "PATCH"}}]}');
SELECT sqlstate, message, context
  FROM try($$UPDATE partner_clients SET hs_name = 'x' WHERE hs_name = 'n' RETURNING hs_name$$);
CALL emu_faults('{}');
SELECT count(*) AS stats_rows_with_token FROM hubspot_fdw_stats() s
 WHERE s::text LIKE '%' || (SELECT token FROM emu_settings) || '%';
SELECT method, replace(path, (SELECT token FROM emu_settings), '<token>') AS path, status, auth
  FROM emu_requests ORDER BY seq;

DROP FOREIGN TABLE hs_owned_clients;
DROP USER MAPPING FOR CURRENT_USER SERVER hs_owned;
DROP USER MAPPING FOR hs_tenant SERVER hs_owned;
DROP SERVER hs_owned, hs_owned2, hs_owned3;
REVOKE USAGE ON FOREIGN DATA WRAPPER hubspot_fdw FROM hs_owner;
DROP ROLE hs_owner, hs_tenant;
DROP TABLE hostile_urls;
DROP FUNCTION refused(text, text);
CALL emu_reset();
