--
-- HubSpot's errors become PostgreSQL errors with a fitting SQLSTATE,
-- HubSpot's message, category and correlation id in the detail and the
-- request in the context. The token appears nowhere.
--
\getenv emu_url HUBSPOT_EMULATOR_URL
CALL emu_reset();
\x on

-- a token HubSpot does not accept: 401
CREATE SERVER hubspot_badtoken FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_badtoken OPTIONS (access_token 'not-a-valid-token');
CREATE FOREIGN TABLE pc_badtoken (id text, hs_name text)
  SERVER hubspot_badtoken OPTIONS (object_type 'partner_clients');
SELECT * FROM try($$SELECT * FROM pc_badtoken$$);

-- a token without the write scope: 403 MISSING_SCOPES
CREATE SERVER hubspot_ro FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_ro OPTIONS (access_token 'read-only-token-for-tests');
CREATE FOREIGN TABLE pc_ro (id text, hs_name text)
  SERVER hubspot_ro OPTIONS (object_type 'partner_clients');
SELECT count(*) FROM pc_ro;
SELECT * FROM try($$UPDATE pc_ro SET hs_name = 'x' WHERE id = '512'$$);

-- a column whose property does not exist in HubSpot: 400 -> undefined column
CREATE FOREIGN TABLE pc_wide (id text, hs_name text, no_such_property text, hs_score text)
  SERVER hubspot OPTIONS (object_type 'partner_clients');
SELECT * FROM try($$UPDATE pc_wide SET no_such_property = 'x' WHERE id = '512'$$);
-- a value HubSpot refuses: VALIDATION_ERROR -> invalid parameter value
SELECT * FROM try($$UPDATE pc_wide SET hs_score = 'lots' WHERE id = '512'$$);
-- the same in a batch: the whole batch is refused, nothing applied
SELECT * FROM try($$UPDATE pc_wide SET hs_score = 'lots' WHERE hs_name LIKE 'Client 50%'$$);
SELECT emu_object('partner_clients/502')->'properties'->>'hs_score' AS score_502_unchanged;

-- a partial failure (207): the failing ids are named, and what was applied is said
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"match": {"path_contains": "/batch/update"}, "status": 207,
  "body": {"status": "COMPLETE", "startedAt": "2026-01-01T00:00:00.000Z", "completedAt": "2026-01-01T00:00:01.000Z",
           "results": [{"id": "503", "properties": {}, "createdAt": "2026-01-01T00:00:00.000Z",
                        "updatedAt": "2026-01-01T00:00:00.000Z", "archived": false}],
           "numErrors": 1,
           "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND",
                       "message": "Could not get some partner_clients objects, they may be deleted or not exist.",
                       "context": {"ids": ["504"]}}]}}]}');
SELECT * FROM try($$UPDATE partner_clients SET hs_country = 'IT' WHERE id IN ('503', '504') AND tier = 'gold'$$);

-- a 2xx that leaves inputs out is not a success
CALL emu_faults('{"drop_results": true}');
SELECT * FROM try($$UPDATE partner_clients SET hs_country = 'IT' WHERE hs_name IN ('Client 505', 'Client 506')$$);
CALL emu_faults('{}');

-- a failure in the second batch says the first one stays applied
-- (one batch at a time here, so the count is exact; see reliability for overlap)
ALTER SERVER hubspot OPTIONS (ADD max_concurrency '1');
CALL emu_reset();
CALL emu_faults('{"rules": [{"n": 2, "status": 500, "match": {"path_contains": "/batch/update"}}]}');
SELECT * FROM try($$UPDATE partner_clients SET hs_country = 'ES' WHERE tier = 'gold'$$);
CALL emu_faults('{}');
SELECT count(*) FILTER (WHERE hs_country = 'ES') AS applied FROM partner_clients;
ALTER SERVER hubspot OPTIONS (DROP max_concurrency);

-- server errors, rate limits and nonsense answers (with retries off: the
-- reliability suite shows the retries)
ALTER SERVER hubspot OPTIONS (ADD max_retries '0');
CALL emu_faults('{"fail_next": [{"status": 502, "match": {"method": "PATCH"}}]}');
SELECT * FROM try($$UPDATE partner_clients SET tier = 'gold' WHERE id = '512'$$);
CALL emu_faults('{"fail_next": [{"status": 429, "match": {"method": "PATCH"}}]}');
SELECT * FROM try($$UPDATE partner_clients SET tier = 'gold' WHERE id = '512'$$);
CALL emu_faults('{"fail_next": [{"status": 200, "raw": "{\"results\": [", "match": {"method": "GET"}}]}');
SELECT * FROM try($$SELECT count(*) FROM partner_clients$$);
CALL emu_faults('{"fail_next": [{"status": 200, "body": {"results": "nope"}, "match": {"method": "GET"}}]}');
SELECT * FROM try($$SELECT count(*) FROM partner_clients$$);
CALL emu_faults('{}');
ALTER SERVER hubspot OPTIONS (DROP max_retries);

-- nothing listening
CREATE SERVER hubspot_down FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url 'http://127.0.0.1:1', connect_timeout_ms '2000', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_down OPTIONS (access_token 'whatever');
CREATE FOREIGN TABLE pc_down (id text) SERVER hubspot_down OPTIONS (object_type 'partner_clients');
SELECT sqlstate, message, context FROM try($$SELECT * FROM pc_down$$);

-- no user mapping, or one without a token
CREATE SERVER hubspot_nomap FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
CREATE FOREIGN TABLE pc_nomap (id text) SERVER hubspot_nomap OPTIONS (object_type 'partner_clients');
SELECT * FROM try($$SELECT * FROM pc_nomap$$);
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_nomap;
SELECT * FROM try($$SELECT * FROM pc_nomap$$);

-- partner objects cannot be created or deleted in HubSpot's v3 API
SELECT * FROM try($$INSERT INTO partner_clients (hs_name) VALUES ('new')$$);
SELECT * FROM try($$DELETE FROM partner_services WHERE id = '3001'$$);
-- UPDATE needs the id column
CREATE FOREIGN TABLE pc_noid (hs_name text) SERVER hubspot OPTIONS (object_type 'partner_clients');
SELECT count(*) FROM pc_noid;
SELECT * FROM try($$UPDATE pc_noid SET hs_name = 'x'$$);
\x off

-- none of the failed statements above sent a write they did not report
SELECT method, path, status, count(*) FROM emu_requests
 WHERE method <> 'GET' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
DROP SERVER hubspot_badtoken, hubspot_ro, hubspot_down, hubspot_nomap CASCADE;
DROP FOREIGN TABLE pc_wide, pc_noid;
