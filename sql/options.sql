--
-- Options are validated at CREATE/ALTER time, with the valid ones listed.
--
\set VERBOSITY default
CALL emu_clear();
-- unknown options name the valid ones for that object
CREATE SERVER bad1 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (url 'https://api.hubapi.com');
CREATE FOREIGN TABLE bad_t (id text) SERVER hubspot OPTIONS (object_type 'partner_clients', objecttype 'x');
CREATE FOREIGN TABLE bad_t (id text OPTIONS (prop 'x')) SERVER hubspot OPTIONS (object_type 'partner_clients');
ALTER FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (ADD batch_size '10');
-- the token belongs in a user mapping only
CREATE SERVER bad2 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (access_token 'secret-value-1');
CREATE FOREIGN TABLE bad_t (id text) SERVER hubspot OPTIONS (object_type 'partner_clients', access_token 'secret-value-2');
CREATE USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (access_token '');
CREATE USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (api_url 'https://x.example');
-- batch_size is 1..100 on servers and tables
CREATE SERVER bad3 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (batch_size '0');
CREATE SERVER bad3 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (batch_size '101');
CREATE SERVER bad3 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (batch_size 'ten');
CREATE FOREIGN TABLE bad_t (id text) SERVER hubspot OPTIONS (object_type 'partner_clients', batch_size '500');
CREATE SERVER bad3 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (request_timeout_ms '-5');
-- api_url must be https, or http to loopback only
CREATE SERVER bad4 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'ftp://api.hubapi.com');
CREATE SERVER bad4 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://api.hubapi.com');
CREATE SERVER bad4 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://user:pw@api.hubapi.com');
CREATE SERVER ok1 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://localhost:8080/');
CREATE SERVER ok2 FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url 'https://api.hubapi.com', batch_size '50', connect_timeout_ms '2000', request_timeout_ms '30000');
-- retries, pacing and when to send
CREATE SERVER bad5 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (max_retries '11');
CREATE SERVER bad5 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (max_concurrency '17');
CREATE SERVER bad5 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (max_concurrency '0');
CREATE SERVER bad5 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (rate_limit_per_10s '-1');
CREATE SERVER bad5 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (send_at 'later');
CREATE SERVER ok3 FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (max_retries '0', max_concurrency '8', rate_limit_per_10s '190', send_at 'commit', ca_file '/etc/ssl/certs/ca-certificates.crt');
CREATE SERVER bad5 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (ca_path 'relative/dir');
-- only superusers choose which CAs the token is trusted to
CREATE ROLE hs_options_user;
GRANT USAGE ON FOREIGN DATA WRAPPER hubspot_fdw TO hs_options_user;
SET ROLE hs_options_user;
CREATE SERVER bad6 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (ca_file '/tmp/evil.pem');
CREATE SERVER ok4 FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'https://api.hubapi.com');
ALTER SERVER ok4 OPTIONS (ADD ca_path '/tmp');
DROP SERVER ok4;
RESET ROLE;
REVOKE USAGE ON FOREIGN DATA WRAPPER hubspot_fdw FROM hs_options_user;
DROP ROLE hs_options_user;
-- object_type is required on tables, and must look like an object type
CREATE FOREIGN TABLE bad_t (id text) SERVER hubspot;
CREATE FOREIGN TABLE bad_t (id text) SERVER hubspot OPTIONS (object_type 'partner clients/../x');
CREATE FOREIGN TABLE bad_t (id text) SERVER hubspot OPTIONS (object_type '');
CREATE FOREIGN TABLE bad_t (id text, x text OPTIONS (property '')) SERVER hubspot OPTIONS (object_type 'partner_clients');
CREATE FOREIGN TABLE ok_t (id text) SERVER hubspot OPTIONS (object_type '2-123456', batch_size '25');
ALTER FOREIGN TABLE ok_t OPTIONS (DROP object_type);
ALTER FOREIGN TABLE ok_t OPTIONS (SET batch_size '0');
ALTER FOREIGN TABLE ok_t OPTIONS (SET object_type 'p_custom_thing', SET batch_size '100');
SELECT ftoptions FROM pg_foreign_table WHERE ftrelid = 'ok_t'::regclass;
-- the validator rejects these before anything is sent
SELECT count(*) AS requests FROM emu_requests;
DROP FOREIGN TABLE ok_t;
DROP SERVER ok1, ok2, ok3;
