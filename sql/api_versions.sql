--
-- api_version: v3 (the default), 2026-03 or 2026-09 chooses every path the
-- extension sends. The other suites run again under each date version
-- through the path mapping of test/apiver.py; this one tests what differs
-- beyond the paths: association specs in the bodies, labels, the
-- hubspot_association_types columns, the batch/read of 2026-09
-- partner_clients, and properties. The emulator checks every request
-- against HubSpot's spec of its version (the spec_conformance check).
--
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv token HUBSPOT_TEST_TOKEN
CALL emu_reset();

-- the option: a server option only, with three values
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_version 'v4');
CREATE SERVER hs_bad FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_version '2026-3');
CREATE FOREIGN TABLE bad_table (id text) SERVER hubspot
  OPTIONS (object_type 'partner_clients', api_version '2026-03');

CREATE SERVER hs_03 FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '0', api_version '2026-03');
CREATE SERVER hs_09 FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '0', api_version '2026-09');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_03 OPTIONS (access_token :'token');
CREATE USER MAPPING FOR CURRENT_USER SERVER hs_09 OPTIONS (access_token :'token');
CREATE FOREIGN TABLE pc_03 (id text, hs_name text, tier text OPTIONS (property 'hs_tier'))
  SERVER hs_03 OPTIONS (object_type 'partner_clients');
CREATE FOREIGN TABLE pc_09 (id text, hs_name text, tier text OPTIONS (property 'hs_tier'))
  SERVER hs_09 OPTIONS (object_type 'partner_clients');
CREATE FOREIGN TABLE ps_09 (id text, hs_name text)
  SERVER hs_09 OPTIONS (object_type 'partner_services');

-- reads and writes: the same requests as v3 under /crm/objects/{version}/
CALL emu_clear();
SELECT id, hs_name FROM pc_03 WHERE id = '512';
SELECT id, tier FROM pc_03 WHERE id IN ('513', '514') ORDER BY id;
UPDATE pc_03 SET tier = 'gold' WHERE id IN ('513', '514');
UPDATE pc_03 SET tier = 'silver' WHERE id = '515';
SELECT count(*) FROM pc_03 WHERE tier = 'gold';
SELECT method, path, body, status FROM emu_requests ORDER BY seq;

-- 2026-09's partner_clients spec lists no batch/read: the generic objects
-- spec of 2026-09 offers it for any type, and EXPLAIN says so; its
-- partner_services spec has one, so nothing is said there
EXPLAIN (COSTS OFF) SELECT id FROM pc_09 WHERE id IN ('513', '514');
EXPLAIN (COSTS OFF) SELECT id FROM ps_09 WHERE id IN ('3001', '3002');
CALL emu_clear();
SELECT id, tier FROM pc_09 WHERE id IN ('513', '514') ORDER BY id;
SELECT id FROM ps_09 WHERE id IN ('3001', '3002') ORDER BY id;
UPDATE pc_09 SET tier = 'bronze' WHERE id IN ('513', '514');
SELECT method, path, body, status FROM emu_requests ORDER BY seq;

-- properties: /crm/properties/{version}/{type}
CREATE SCHEMA imported_09;
CALL emu_clear();
IMPORT FOREIGN SCHEMA crm LIMIT TO (partner_services) FROM SERVER hs_09 INTO imported_09;
SELECT method, path, query, status FROM emu_requests ORDER BY seq;

-- the association types: v3 lists id and name (type_id from the id);
-- a date version lists the labels: category, type id and label, and name
-- is what hubspot_associate takes (the label, else the type id)
SELECT * FROM hubspot_association_types('hubspot', 'partner_clients', 'contacts');
CALL emu_clear();
SELECT * FROM hubspot_association_types('hs_03', 'partner_clients', 'contacts');
SELECT * FROM hubspot_association_types('hs_09', 'partner_services', 'partner_clients');
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- hubspot_associate under a date version: a label or a type id becomes the
-- association spec in the body of the per-record PUT; "default" is the
-- default association's own endpoint. The labels are fetched once per
-- session (hubspot_association_types above already fetched hs_03's).
CALL emu_clear();
SELECT hubspot_associate('hs_03', 'partner_clients', '512', 'contacts', '1002',
                         'Billing contact') AS answer;
SELECT hubspot_associate('hs_03', 'partner_clients', '512', 'contacts', '1003', '901')
         ->'labels' AS labels;
SELECT hubspot_associate('hs_03', 'partner_clients', '512', 'contacts', '1004', 'default')
         ->'results' AS results;
SELECT method, path, body, status FROM emu_requests ORDER BY seq;
SELECT a->>'toObjectId' AS to_id, a->>'associationType' AS type, a->>'associationTypeId' AS type_id
  FROM emu('associations') a
 WHERE a->>'fromObjectType' = 'partner_clients' AND a->>'fromObjectId' = '512'
 ORDER BY 1, 3;

-- a name that is no label (v3's names are not labels), an id that is none:
-- refused before anything is written, after hs_09's labels are read and,
-- each time a type is not among them, read once more (a label made since)
CALL emu_clear();
SELECT * FROM try($$SELECT hubspot_associate('hs_09', 'partner_clients', '512', 'contacts', '1002', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT hubspot_associate('hs_09', 'partner_clients', '512', 'contacts', '1002', '12345')$$);
SELECT count(*) AS requests FROM emu_requests;

-- batches: inputs carry association specs ("types")
CALL emu_clear();
SELECT hubspot_associate_batch('hs_09', 'partner_clients', f, 'contacts', t, ty) AS created
  FROM (VALUES ('516', '1005', 'Billing contact'), ('517', '1005', '901'),
               ('518', '1004', 'default')) v(f, t, ty);
SELECT method, path, body, status FROM emu_requests ORDER BY seq;

-- send_at 'commit': the same batch/create at COMMIT
ALTER SERVER hs_09 OPTIONS (ADD send_at 'commit');
CALL emu_clear();
BEGIN;
SELECT hubspot_associate('hs_09', 'partner_clients', '519', 'contacts', '1003',
                         'Billing contact') IS NULL AS queued;
SELECT count(*) AS requests_before_commit FROM emu_requests;
COMMIT;
SELECT method, path, body, status FROM emu_requests ORDER BY seq;
SELECT a->>'fromObjectId' AS from_id, a->>'toObjectId' AS to_id, a->>'associationType' AS type
  FROM emu('associations') a
 WHERE a->>'fromObjectType' = 'partner_clients' AND a->>'fromObjectId' IN ('516', '517', '518', '519')
 ORDER BY 1, 2;
ALTER SERVER hs_09 OPTIONS (DROP send_at);

-- switching a server's version is one ALTER SERVER
ALTER SERVER hs_09 OPTIONS (SET api_version 'v3');
CALL emu_clear();
SELECT id FROM pc_09 WHERE id = '512';
SELECT method, path FROM emu_requests ORDER BY seq;

-- the URL is checked before the labels are read: nothing is sent
ALTER SERVER hs_09 OPTIONS (SET api_version '2026-09');
CALL emu_clear();
SELECT sqlstate, message, context
  FROM try($$SELECT hubspot_associate('hs_09', 'partner_clients', '501', 'contacts', repeat('9', 20000), 'Billing contact')$$);
SELECT count(*) AS requests FROM emu_requests;

DROP SCHEMA imported_09 CASCADE;
DROP SERVER hs_03 CASCADE;
DROP SERVER hs_09 CASCADE;
