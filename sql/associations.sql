--
-- Associations from SQL: hubspot_associate() sends one PUT,
-- hubspot_associate_batch() streams rows into batch/create requests of at
-- most 100 inputs, hubspot_association_types() lists the valid types.
--
\getenv emu_url HUBSPOT_EMULATOR_URL
CALL emu_reset();

-- how the functions are declared: not strict, volatile, parallel unsafe.
-- (PostgreSQL records every aggregate itself as immutable; what runs, the
-- transition and final functions, is volatile.)
SELECT p.oid::regprocedure AS function, p.prorettype::regtype AS returns,
       p.proisstrict AS strict, p.provolatile AS volatile, p.proparallel AS parallel,
       a.aggfinalmodify AS finalfunc_modify
  FROM pg_proc p LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
 WHERE p.proname LIKE 'hubspot_associat%'
 ORDER BY p.proname;

-- the association types between two object types: one GET, rows (id, name)
SELECT * FROM hubspot_association_types('hubspot', 'partner_clients', 'contacts');
SELECT * FROM hubspot_association_types('hubspot', 'partner_services', 'partner_clients');
SELECT * FROM hubspot_association_types('hubspot', 'contacts', 'partner_services');
SELECT method, path, body, status FROM emu_requests ORDER BY seq;

-- one association: exactly one PUT, with the path built from the arguments
CALL emu_clear();
SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1002',
                         'partner_client_to_contact') AS answer \gset
SELECT (:'answer'::jsonb)->>'id' AS id,
       (:'answer'::jsonb)->'associations'->'contacts'->'results' AS contacts,
       jsonb_typeof((:'answer'::jsonb)->'properties') AS properties;
SELECT method, path, body, status, auth FROM emu_requests ORDER BY seq;
SELECT a FROM emu('associations') a
 WHERE a->>'fromObjectType' = 'partner_clients' AND a->>'fromObjectId' = '512';

-- a partner service, with the association type given by its id
CALL emu_clear();
SELECT hubspot_associate('hubspot', 'partner_services', '3007', 'partner_clients', '507', '909')
         ->'associations'->'partner_clients' AS partner_clients;
SELECT hubspot_associate('hubspot', 'partner_services', '3007', 'companies', '2003',
                         'partner_service_to_company')->>'id' AS id;
SELECT method, path, status FROM emu_requests ORDER BY seq;
SELECT a->>'toObjectType' AS to_type, a->>'toObjectId' AS to_id, a->>'associationType' AS type
  FROM emu('associations') a
 WHERE a->>'fromObjectType' = 'partner_services' AND a->>'fromObjectId' = '3007'
 ORDER BY 1, 2;

-- associating again is harmless: HubSpot keeps one association
SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1002',
                         'partner_client_to_contact')->'associations'->'contacts' AS contacts;

-- send_at 'commit': associations wait for COMMIT like UPDATEs; ROLLBACK sends nothing
ALTER SERVER hubspot OPTIONS (ADD send_at 'commit');
CALL emu_clear();
BEGIN;
SELECT hubspot_associate('hubspot', 'partner_clients', '514', 'contacts', '1004', 'partner_client_to_contact') IS NULL AS answer_unknown_yet;
SELECT hubspot_associate_batch('hubspot', 'partner_clients', '515', 'contacts', '1004', 'partner_client_to_contact') AS queued;
SELECT count(*) AS requests_before_commit FROM emu_requests;
ROLLBACK;
SELECT count(*) AS requests_after_rollback FROM emu_requests;
-- at COMMIT: one batch/create per pair of types, repeats and rolled-back savepoints left out
BEGIN;
SELECT hubspot_associate('hubspot', 'partner_clients', '514', 'contacts', '1004', 'partner_client_to_contact') IS NULL AS answer_unknown_yet;
SELECT hubspot_associate_batch('hubspot', 'partner_clients', pc, 'contacts', '1004', 'partner_client_to_contact') AS queued
  FROM (VALUES ('514'), ('515'), ('516')) v(pc);
SAVEPOINT s;
SELECT hubspot_associate('hubspot', 'partner_clients', '517', 'contacts', '1004', 'partner_client_to_contact') IS NULL AS answer_unknown_yet;
ROLLBACK TO SAVEPOINT s;
SELECT hubspot_associate('hubspot', 'partner_services', '3005', 'contacts', '1004', 'partner_service_to_contact') IS NULL AS answer_unknown_yet;
COMMIT;
SELECT method, path, body FROM emu_requests ORDER BY seq;
-- one pair queued with its type by name and by id: HubSpot's answer names
-- pairs only, so they go in two batches and each answer confirms one
CALL emu_clear();
BEGIN;
SELECT hubspot_associate_batch('hubspot', 'partner_clients', '518', 'contacts', '1004', t) AS queued
  FROM (VALUES ('partner_client_to_contact'), ('901')) v(t);
COMMIT;
SELECT method, path, body FROM emu_requests ORDER BY seq;
ALTER SERVER hubspot OPTIONS (DROP send_at);
SELECT a->>'fromObjectType' AS from_type, a->>'fromObjectId' AS from_id, a->>'toObjectId' AS to_id
  FROM emu('associations') a WHERE a->>'toObjectId' = '1004' ORDER BY 1, 2;

-- path segments are URL-encoded; HubSpot's 404 becomes undefined_object
\x on
CALL emu_clear();
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '10 02/x?y', 'partner_client_to_contact')$$);
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- HubSpot's errors map to SQLSTATEs as for UPDATE
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '99999', 'contacts', '1001', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1001', 'contact_to_company')$$);
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'no_such_type', '512', 'contacts', '1001', 'x')$$);
-- the retry logic of every request applies: a 503 is retried, unless
-- max_retries is 0
CALL emu_clear();
CALL emu_faults('{"fail_next": [{"status": 503, "match": {"method": "PUT"}}]}');
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
SELECT method, path, status FROM emu_requests ORDER BY seq;
ALTER SERVER hubspot OPTIONS (ADD max_retries '0');
CALL emu_faults('{"fail_next": [{"status": 503, "match": {"method": "PUT"}}]}');
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
ALTER SERVER hubspot OPTIONS (DROP max_retries);
CALL emu_faults('{"fail_next": [{"status": 200, "body": {"results": []}, "match": {"method": "PUT"}}]}');
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
CALL emu_faults('{"fail_next": [{"status": 200, "body": {"results": [{"id": 1}]}, "match": {"path_contains": "/types"}}]}');
SELECT * FROM try($$SELECT * FROM hubspot_association_types('hubspot', 'partner_clients', 'contacts')$$);
CALL emu_faults('{}');

-- NULL or empty arguments, and object types that cannot be: errors before any request
CALL emu_clear();
SELECT * FROM try($$SELECT hubspot_associate(NULL, 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', NULL, 'contacts', '1001', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1001', NULL)$$);
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', '', '1001', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients/../contacts', '512', 'contacts', '1001', 'x')$$);
SELECT * FROM try($$SELECT * FROM hubspot_association_types('hubspot', 'partner_clients', NULL)$$);
SELECT * FROM try($$SELECT * FROM hubspot_association_types('hubspot', 'partner clients', 'contacts')$$);
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', id, 'contacts', NULL, 'partner_client_to_contact') FROM (VALUES ('501'), ('502')) v(id)$$);
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', id, 'contacts', '1001', '') FROM (VALUES ('501')) v(id)$$);
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner-clients?', id, 'contacts', '1001', 'x') FROM (VALUES ('501')) v(id)$$);
SELECT count(*) AS requests_sent FROM emu_requests;

-- the server: it must exist, be a hubspot_fdw server, and the user needs
-- USAGE on it and a user mapping, as for a foreign table
SELECT * FROM try($$SELECT hubspot_associate('no_such_server', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
CREATE FOREIGN DATA WRAPPER not_hubspot;
CREATE SERVER other_server FOREIGN DATA WRAPPER not_hubspot;
SELECT * FROM try($$SELECT hubspot_associate('other_server', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
CREATE SERVER hubspot_nomap FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
SELECT * FROM try($$SELECT hubspot_associate('hubspot_nomap', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot_nomap', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT * FROM hubspot_association_types('hubspot_nomap', 'partner_clients', 'contacts')$$);
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_nomap;
SELECT * FROM try($$SELECT hubspot_associate('hubspot_nomap', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
CREATE ROLE hubspot_assoc_user;
SET ROLE hubspot_assoc_user;
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
RESET ROLE;
GRANT USAGE ON FOREIGN SERVER hubspot TO hubspot_assoc_user;
SET ROLE hubspot_assoc_user;
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
RESET ROLE;
-- a PUBLIC mapping (someone else's token) is refused to a non-superuser
\getenv token HUBSPOT_TEST_TOKEN
CREATE USER MAPPING FOR PUBLIC SERVER hubspot OPTIONS (access_token :'token');
SET ROLE hubspot_assoc_user;
SELECT * FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '513', 'contacts', '1003', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT * FROM hubspot_association_types('hubspot', 'partner_clients', 'contacts')$$);
RESET ROLE;
DROP USER MAPPING FOR PUBLIC SERVER hubspot;
REVOKE USAGE ON FOREIGN SERVER hubspot FROM hubspot_assoc_user;
DROP ROLE hubspot_assoc_user;
-- a token without the write scope
CREATE SERVER hubspot_ro FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url :'emu_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_ro OPTIONS (access_token 'read-only-token-for-tests');
SELECT * FROM try($$SELECT hubspot_associate('hubspot_ro', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot_ro', 'partner_clients', '512', 'contacts', '1001', 'partner_client_to_contact')$$);
\x off
SELECT method, path, status FROM emu_requests ORDER BY seq;

-- many: 250 links of an ETL staging table, joined to the foreign tables,
-- become 3 batch/create requests (100, 100, 50) and the aggregate returns 250
CALL emu_reset();
SELECT hubspot_fdw_stats_reset();
CREATE FOREIGN TABLE pc_keys (id text, hs_external_key text)
  SERVER hubspot OPTIONS (object_type 'partner_clients');
CREATE FOREIGN TABLE contacts (id text, email text)
  SERVER hubspot OPTIONS (object_type 'contacts');
CREATE TABLE staging_links (client_key text, contact_email text);
INSERT INTO staging_links
  SELECT 'PC-' || (501 + g), 'contact' || (1001 + g % 5) || '@example.com'
    FROM generate_series(0, 249) g;
SELECT hubspot_associate_batch('hubspot', 'partner_clients', pc.id, 'contacts', c.id,
                               'partner_client_to_contact') AS created
  FROM staging_links s
  JOIN pc_keys pc ON pc.hs_external_key = s.client_key
  JOIN contacts c ON c.email = s.contact_email;
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs, status
  FROM emu_requests WHERE method = 'POST' ORDER BY seq;
-- exactly the staging table's links were sent, each once
WITH inputs AS (
  SELECT i FROM emu_requests, jsonb_array_elements(body->'inputs') i WHERE method = 'POST'),
sent AS (
  SELECT i->'from'->>'id' AS from_id, i->'to'->>'id' AS to_id, i->>'type' AS type FROM inputs),
expected AS (
  SELECT substr(client_key, 4) AS from_id, substring(contact_email FROM '[0-9]+') AS to_id,
         'partner_client_to_contact' AS type
    FROM staging_links)
SELECT (SELECT count(*) FROM sent) AS sent,
       (SELECT count(DISTINCT (from_id, to_id)) FROM sent) AS distinct_sent,
       (SELECT array_agg(DISTINCT k ORDER BY k) FROM inputs, jsonb_object_keys(i) k) AS input_keys,
       (SELECT count(*) FROM (SELECT * FROM sent EXCEPT SELECT * FROM expected) x) AS unexpected,
       (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM sent) x) AS missing;
-- the per-endpoint stats count the requests and the associations created
SELECT endpoint, requests, failures, rows_written FROM hubspot_fdw_stats()
 WHERE endpoint LIKE '%associations%';
-- and the emulator stored them (plus the seeded 501 -> 1001)
SELECT a->>'toObjectId' AS contact, count(*)
  FROM emu('associations') a
 WHERE a->>'fromObjectType' = 'partner_clients' AND a->>'toObjectType' = 'contacts'
 GROUP BY 1 ORDER BY 1;

-- one call may mix (from_type, to_type) pairs: one request per pair,
-- and per 100 inputs of each
CALL emu_clear();
SELECT hubspot_associate_batch('hubspot', f, fid, t, tid, ty) AS created
  FROM (VALUES ('partner_clients', '601', 'companies', '2002', 'partner_client_to_company'),
               ('partner_services', '3010', 'partner_clients', '601', 'partner_service_to_partner_client'),
               ('partner_clients', '602', 'companies', '2003', 'partner_client_to_company'),
               ('partner_services', '3010', 'contacts', '1004', 'partner_service_to_contact'),
               ('partner_clients', '603', 'companies', '2002', '903')) v(f, fid, t, tid, ty);
SELECT method, path, body, status FROM emu_requests ORDER BY seq;
SELECT a->>'fromObjectType' AS from_type, a->>'fromObjectId' AS from_id,
       a->>'toObjectType' AS to_type, a->>'toObjectId' AS to_id, a->>'associationTypeId' AS type_id
  FROM emu('associations') a
 WHERE a->>'fromObjectId' IN ('601', '602', '603', '3010') ORDER BY 1, 2, 3, 4;
-- 250 rows over two pairs: each pair has its own batches
CALL emu_clear();
SELECT hubspot_associate_batch('hubspot', 'partner_clients', (501 + g)::text,
                               CASE WHEN g % 2 = 0 THEN 'contacts' ELSE 'companies' END,
                               CASE WHEN g % 2 = 0 THEN (1001 + g % 5)::text ELSE (2001 + g % 5)::text END,
                               CASE WHEN g % 2 = 0 THEN 'partner_client_to_contact' ELSE 'partner_client_to_company' END) AS created
  FROM generate_series(0, 249) g;
SELECT path, jsonb_array_length(body->'inputs') AS inputs, status FROM emu_requests ORDER BY seq;

-- GROUP BY: one aggregate state, with its own batches, per group
CALL emu_clear();
SELECT g % 2 AS parity,
       hubspot_associate_batch('hubspot', 'partner_services', (3001 + g)::text, 'contacts',
                               '1005', 'partner_service_to_contact') AS created
  FROM generate_series(0, 249) g GROUP BY 1 ORDER BY 1;
SELECT path, jsonb_array_length(body->'inputs') AS inputs, status FROM emu_requests ORDER BY seq;

-- no rows: nothing sent, 0 created
CALL emu_clear();
SELECT hubspot_associate_batch('hubspot', 'partner_clients', '501', 'contacts', '1001', 'x') AS created
  FROM generate_series(1, 0);
SELECT count(*) AS requests_sent FROM emu_requests;

-- the final function sends what is left, so it cannot run once per window row
CALL emu_clear();
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', id, 'contacts', '1001', 'partner_client_to_contact') OVER (ORDER BY id) FROM (VALUES ('501'), ('502')) v(id)$$);
SELECT count(*) AS requests_sent FROM emu_requests;

-- the same pair twice is never in one request: the first batch is sent first
CALL emu_clear();
SELECT hubspot_associate_batch('hubspot', 'partner_clients', fid, 'contacts', tid, 'partner_client_to_contact') AS created
  FROM (VALUES (1, '520', '1001'), (2, '521', '1001'), (3, '520', '1001'), (4, '522', '1002')) v(n, fid, tid);
SELECT path, body, status FROM emu_requests ORDER BY seq;

-- a non-existent id: the error names it, and says what was created before
\x on
CALL emu_reset();
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', fid, 'contacts', tid, 'partner_client_to_contact') FROM (VALUES ('530', '1001'), ('531', '9999'), ('532', '1002')) v(fid, tid)$$);
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', (530 + g)::text, 'contacts', CASE WHEN g = 120 THEN '9999' ELSE '1003' END, 'partner_client_to_contact') FROM generate_series(0, 149) g$$);
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', fid, 'contacts', '1004', 'partner_client_to_contact') FROM (VALUES ('540'), ('99998'), ('541'), ('99999')) v(fid)$$);
\x off
SELECT path, jsonb_array_length(body->'inputs') AS inputs, status FROM emu_requests ORDER BY seq;
-- what HubSpot confirmed stays: the failed call still created the other links
SELECT a->>'fromObjectId' AS from_id, a->>'toObjectId' AS to_id
  FROM emu('associations') a
 WHERE a->>'fromObjectType' = 'partner_clients' AND a->>'toObjectType' = 'contacts'
   AND a->>'toObjectId' IN ('1001', '1002', '1004', '9999')
 ORDER BY 1, 2;
SELECT count(*) AS created_by_the_150_row_call
  FROM emu('associations') a
 WHERE a->>'fromObjectType' = 'partner_clients' AND a->>'toObjectId' = '1003';

-- HTTP errors in the middle of a call, and answers that leave inputs out
\x on
CALL emu_reset();
CALL emu_faults('{"rules": [{"n": 2, "status": 500, "match": {"path_contains": "/batch/create"}}]}');
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', (501 + g)::text, 'companies', '2004', 'partner_client_to_company') FROM generate_series(0, 249) g$$);
CALL emu_faults('{"drop_results": true}');
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', fid, 'companies', '2005', 'partner_client_to_company') FROM (VALUES ('505'), ('506')) v(fid)$$);
-- errors are matched to inputs by the ids their context names, on the
-- side it says; an error naming no input is blamed for the unconfirmed ones
CALL emu_faults('{"fail_next": [{"match": {"path_contains": "/batch/create"}, "status": 207,
  "body": {"status": "COMPLETE", "startedAt": "2026-01-01T00:00:00.000Z", "completedAt": "2026-01-01T00:00:01.000Z",
           "results": [{"from": {"id": "560"}, "to": {"id": "2001"}, "type": "partner_client_to_company"}],
           "numErrors": 2,
           "errors": [{"status": "error", "category": "VALIDATION_ERROR", "message": "Company 2002 cannot be associated.",
                       "context": {"toObjectId": ["2002"], "associationTypeId": ["2003"]}},
                      {"status": "error", "category": "RATE_LIMITS", "message": "Try again later.", "context": {}}]}}]}');
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', fid, 'companies', tid, 'partner_client_to_company') FROM (VALUES ('560', '2001'), ('561', '2002'), ('2002', '2003')) v(fid, tid)$$);
CALL emu_faults('{"fail_next": [{"status": 400, "match": {"path_contains": "/batch/create"}}]}');
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', '505', 'companies', '2005', 'partner_client_to_company')$$);
CALL emu_faults('{}');
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', '505', 'companies', '2005', 'no_such_type')$$);
-- a NULL after a full batch: the error says what the call already created
SELECT * FROM try($$SELECT hubspot_associate_batch('hubspot', 'partner_clients', (501 + g)::text, 'contacts', CASE WHEN g < 150 THEN '1005' END, 'partner_client_to_contact') FROM generate_series(0, 199) g$$);
\x off
SELECT path, jsonb_array_length(body->'inputs') AS inputs, status FROM emu_requests ORDER BY seq;
SELECT count(*) AS stored_to_2004 FROM emu('associations') a WHERE a->>'toObjectId' = '2004';

DROP TABLE staging_links;
DROP FOREIGN TABLE pc_keys, contacts;
DROP SERVER other_server, hubspot_nomap, hubspot_ro CASCADE;
DROP FOREIGN DATA WRAPPER not_hubspot;

-- v3 puts the type in the path: a type too long for the URL is refused
-- before anything is sent
CALL emu_clear();
SELECT sqlstate, message, context
  FROM try($$SELECT hubspot_associate('hubspot', 'partner_clients', '501', 'contacts', '1001', repeat('t', 20000))$$);
SELECT count(*) AS requests FROM emu_requests;
