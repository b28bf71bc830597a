--
-- Secrets: the token lives only in user mappings, is never printed, and
-- non-superusers must use their own.
--
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv token HUBSPOT_TEST_TOKEN
CALL emu_reset();

-- a PUBLIC mapping (someone else's token) is refused to a non-superuser
CREATE ROLE hs_analyst;
GRANT USAGE ON FOREIGN SERVER hubspot TO hs_analyst;
GRANT SELECT, UPDATE ON partner_clients TO hs_analyst;
GRANT SELECT ON emu_requests, emu_settings TO hs_analyst;
CREATE USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (access_token :'token');
SET ROLE hs_analyst;
SELECT * FROM try($$SELECT * FROM partner_clients WHERE id = '512'$$);
-- nor can the analyst read the token from the catalog
SELECT srvname, umoptions FROM pg_user_mappings WHERE srvname = 'hubspot' ORDER BY usename;
RESET ROLE;
-- with a mapping of its own, the analyst's requests carry the analyst's token
CREATE USER MAPPING FOR hs_analyst SERVER hubspot OPTIONS (access_token 'analyst-token-not-valid');
SET ROLE hs_analyst;
SELECT sqlstate, message FROM try($$SELECT * FROM partner_clients WHERE id = '512'$$);
RESET ROLE;
SELECT method, path, auth FROM emu_requests ORDER BY seq;
DROP USER MAPPING FOR PUBLIC SERVER hubspot;
DROP USER MAPPING FOR hs_analyst SERVER hubspot;

-- EXPLAIN, DEBUG output of retries, errors and stats never show the token
-- (the test runner also searches every output and server log for it)
CALL emu_faults('{"fail_next": [{"status": 429, "retry_after": 0}]}');
SET client_min_messages = debug1;
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM partner_clients WHERE id = '512';
SELECT id FROM partner_clients WHERE id = '512';
RESET client_min_messages;
SELECT count(*) AS stats_rows_mentioning_token FROM hubspot_fdw_stats() s
 WHERE s::text LIKE '%' || (SELECT token FROM emu_settings) || '%';

-- redirects are not followed (the token would go along)
CALL emu_faults('{"fail_next": [{"status": 302, "headers": {"Location": "http://127.0.0.1:9/steal"}}]}');
SELECT sqlstate, message FROM try($$SELECT * FROM partner_clients WHERE id = '512'$$);
CALL emu_faults('{}');

REVOKE ALL ON partner_clients, emu_requests, emu_settings FROM hs_analyst;
REVOKE USAGE ON FOREIGN SERVER hubspot FROM hs_analyst;
DROP ROLE hs_analyst;
