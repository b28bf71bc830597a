--
-- UPDATE of rows identified by id: direct modify, no read before writing.
--
CALL emu_reset();

-- one row by id = exactly one PATCH with only the changed property
UPDATE partner_clients SET tier = 'bronze' WHERE id = '512';
SELECT method, path, query, body, user_agent, content_type, auth FROM emu_requests ORDER BY seq;
SELECT emu_object('partner_clients/512')->'properties'->>'hs_tier' AS stored_tier;
SELECT id, tier FROM partner_clients WHERE id = '512';

-- several columns at once; NULL clears the property (HubSpot takes "")
CALL emu_clear();
UPDATE partner_clients SET hs_name = 'Acme GmbH', hs_country = NULL WHERE id = '513';
SELECT method, path, body FROM emu_requests ORDER BY seq;
SELECT id, hs_name, hs_country IS NULL AS country_cleared FROM partner_clients WHERE id = '513';

-- a record that does not exist is simply not updated
CALL emu_clear();
UPDATE partner_clients SET tier = 'gold' WHERE id = '99999';
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- id IN (...) with values known up front: batch/update, still no read
CALL emu_clear();
UPDATE partner_clients SET tier = 'silver' WHERE id IN ('520', '521', '99998', '522');
SELECT method, path, body->'inputs' @> '[{"id":"520","properties":{"hs_tier":"silver"}}]' AS has_520,
       (SELECT array_agg(i->>'id' ORDER BY i->>'id') FROM jsonb_array_elements(body->'inputs') i) AS ids
  FROM emu_requests ORDER BY seq;
SELECT id, tier FROM partner_clients WHERE id IN ('520', '521', '522') ORDER BY id;

-- values computed from parameters: a stored procedure's UPDATE
CREATE PROCEDURE set_tier(p_id text, p_tier text) LANGUAGE plpgsql AS $$
BEGIN
  UPDATE partner_clients SET tier = lower(p_tier) WHERE id = p_id;
END $$;
CALL emu_clear();
CALL set_tier('530', 'GOLD');
CALL set_tier('531', 'SILVER');
SELECT method, path, body FROM emu_requests ORDER BY seq;
DROP PROCEDURE set_tier;

-- partner_services behaves the same
CALL emu_clear();
UPDATE partner_services SET hs_status = 'paused' WHERE id = '3001';
SELECT method, path, body FROM emu_requests ORDER BY seq;
SELECT * FROM partner_services WHERE id = '3001';

-- RETURNING gives back what HubSpot stored (a PATCH per row)
CALL emu_clear();
UPDATE partner_clients SET hs_name = '  Spaced  ' WHERE id = '540' RETURNING id, hs_name, tier;
UPDATE partner_clients SET tier = 'bronze' WHERE id IN ('541', '542') AND hs_country IS NOT NULL
  RETURNING id, tier, hs_name;
SELECT method, path FROM emu_requests ORDER BY seq;

-- the id cannot be changed
UPDATE partner_clients SET id = '1' WHERE id = '512';
UPDATE partner_clients SET id = id || 'x';

-- EXPLAIN says a direct PATCH / batch update is sent, with no read
EXPLAIN (VERBOSE, COSTS OFF) UPDATE partner_clients SET tier = 'gold' WHERE id = '512';
EXPLAIN (VERBOSE, COSTS OFF) UPDATE partner_clients SET tier = 'gold' WHERE id IN ('1', '2');
-- a SET that reads the old value needs the row first
EXPLAIN (VERBOSE, COSTS OFF) UPDATE partner_clients SET hs_name = hs_name || '!' WHERE id = '512';
CALL emu_clear();
UPDATE partner_clients SET hs_name = hs_name || '!' WHERE id = '512';
SELECT method, path, body FROM emu_requests ORDER BY seq;

-- values travel as UTF-8 JSON whatever the database encoding
CALL emu_clear();
UPDATE partner_clients SET hs_name = 'Müller & Søn – 東京' WHERE id = '560';
SELECT body FROM emu_requests ORDER BY seq;
SELECT hs_name FROM partner_clients WHERE id = '560';
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv token HUBSPOT_TEST_TOKEN
CREATE DATABASE hs_latin1 ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';
\c hs_latin1
SET client_encoding = 'UTF8';
CREATE EXTENSION hubspot_fdw;
CREATE SERVER hubspot FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot OPTIONS (access_token :'token');
CREATE FOREIGN TABLE partner_clients (id text, hs_name text) SERVER hubspot OPTIONS (object_type 'partner_clients');
UPDATE partner_clients SET hs_name = 'Crème brûlée Ltd' WHERE id = '561';
SELECT hs_name, convert_to(hs_name, 'LATIN1') AS latin1_bytes FROM partner_clients WHERE id = '561';
-- a value the database encoding cannot hold is an error, not mojibake
SELECT hs_name FROM partner_clients WHERE id = '560';
\c contrib_regression
DROP DATABASE hs_latin1;
SELECT emu_object('partner_clients/561')->'properties'->>'hs_name' AS stored_utf8;
