--
-- Link tables (associations_to): the links of records of one object type to
-- records of another, read with associations batch/read, created with
-- batch/create and removed with batch/archive. Every statement is checked
-- against what the emulator received and what it holds afterwards.
--
CALL emu_reset();

CREATE FOREIGN TABLE pc_contacts (
  from_id text,
  to_id text,
  association_type text
) SERVER hubspot OPTIONS (object_type 'partner_clients', associations_to 'contacts');

-- the links the emulator holds from partner_clients to contacts
CREATE FUNCTION emu_links(OUT from_id text, OUT to_id text, OUT association_type text)
RETURNS SETOF record LANGUAGE sql AS $$
  SELECT a->>'fromObjectId', a->>'toObjectId', a->>'associationType'
    FROM emu('associations') a
   WHERE a->>'fromObjectType' = 'partner_clients' AND a->>'toObjectType' = 'contacts'
$$;

-- what the requests since the last clear were: method, path and inputs
CREATE VIEW link_requests AS
  SELECT seq, method, path, jsonb_array_length(body->'inputs') AS inputs, status
    FROM emu_requests ORDER BY seq;

-- ---------- the columns and options of a link table ----------
CREATE FOREIGN TABLE bad_links (from_id text, to_id text, association_type text, tier text)
  SERVER hubspot OPTIONS (object_type 'partner_clients', associations_to 'contacts');
SELECT * FROM try('SELECT * FROM bad_links');
CREATE FOREIGN TABLE short_links (from_id text, association_type text)
  SERVER hubspot OPTIONS (object_type 'partner_clients', associations_to 'contacts');
SELECT * FROM try('SELECT * FROM short_links');
SELECT * FROM try($$CREATE FOREIGN TABLE keyed_links (from_id text, to_id text, association_type text)
  SERVER hubspot OPTIONS (object_type 'partner_clients', associations_to 'contacts',
                          id_property 'hs_external_key')$$);
SELECT * FROM try($$CREATE FOREIGN TABLE odd_links (from_id text, to_id text, association_type text)
  SERVER hubspot OPTIONS (object_type 'partner_clients', associations_to 'no such type')$$);
DROP FOREIGN TABLE bad_links, short_links;
-- IMPORT FOREIGN SCHEMA names a link table "from_type>to_type"
CREATE SCHEMA imported_links;
IMPORT FOREIGN SCHEMA crm LIMIT TO ("partner_clients>contacts", "partner_services>partner_clients")
  FROM SERVER hubspot INTO imported_links;
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), t.ftoptions
  FROM pg_class c JOIN pg_foreign_table t ON t.ftrelid = c.oid
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'imported_links'::regnamespace ORDER BY 1, a.attnum;
SELECT * FROM try($$IMPORT FOREIGN SCHEMA crm LIMIT TO ("partner_clients>no such")
  FROM SERVER hubspot INTO imported_links$$);
DROP SCHEMA imported_links CASCADE;
SELECT count(*) FROM emu_requests;

-- ---------- INSERT: 250 links are 3 batch/create ----------
CALL emu_clear();
SELECT affected($$INSERT INTO pc_contacts
  SELECT (500 + f)::text, (1000 + t)::text, 'partner_client_to_contact'
    FROM generate_series(1, 50) f, generate_series(1, 5) t$$) AS inserted;
SELECT method, path, inputs, status FROM link_requests;
SELECT count(*) AS held, count(DISTINCT from_id) AS records FROM emu_links();

-- ---------- SELECT by from_id: one batch/read ----------
CALL emu_clear();
SELECT * FROM pc_contacts WHERE from_id IN ('501', '502', '999') ORDER BY from_id, to_id;
SELECT method, path, body, status FROM emu_requests ORDER BY seq;
EXPLAIN (COSTS OFF) SELECT * FROM pc_contacts WHERE from_id IN ('501', '502', '999');
CALL emu_clear();
SELECT to_id FROM pc_contacts WHERE from_id = '550' AND to_id > '1003' ORDER BY to_id;
SELECT method, path, body FROM emu_requests ORDER BY seq;

-- a record's links that HubSpot pages are read to the end
CALL emu_faults('{"assoc_read_page": 2}');
CALL emu_clear();
SELECT from_id, to_id FROM pc_contacts WHERE from_id IN ('503', '504') ORDER BY 1, 2;
SELECT method, path, body->'inputs' AS inputs FROM emu_requests ORDER BY seq;
-- and so does a bind join
CALL emu_clear();
SELECT count(*) FROM (VALUES ('503'), ('504'), ('999')) s(id) JOIN pc_contacts l ON l.from_id = s.id;
SELECT method, path, body->'inputs' AS inputs FROM emu_requests ORDER BY seq;
CALL emu_faults('{}');

-- ---------- SELECT without a condition on from_id: pages and batch/reads ----------
EXPLAIN (COSTS OFF) SELECT * FROM pc_contacts;
CALL emu_clear();
SELECT count(*), count(DISTINCT from_id) FROM pc_contacts;
SELECT method, path, count(*) AS requests FROM emu_requests GROUP BY 1, 2 ORDER BY 1, 2;

-- ---------- a join of 100 staging rows on from_id: one batch/read ----------
CREATE TEMP TABLE staging (id text);
INSERT INTO staging SELECT (500 + i)::text FROM generate_series(1, 100) i;
ANALYZE staging;
SELECT uses_bind_join($$SELECT s.id, l.to_id FROM staging s JOIN pc_contacts l ON l.from_id = s.id$$);
CALL emu_clear();
SELECT count(*), count(DISTINCT s.id) FROM staging s JOIN pc_contacts l ON l.from_id = s.id;
SELECT method, path, inputs FROM link_requests;
SELECT line FROM explain_analyze($$SELECT s.id, l.to_id FROM staging s JOIN pc_contacts l ON l.from_id = s.id$$) line
 WHERE line ~ 'Bind Join|HubSpot';

-- ---------- DELETE the links of two records: one batch/archive ----------
CALL emu_clear();
SELECT affected($$DELETE FROM pc_contacts WHERE from_id IN ('501', '502')$$) AS deleted;
SELECT method, path, inputs, status FROM link_requests;
SELECT count(*) FROM emu_links() WHERE from_id IN ('501', '502');
SELECT count(*) FROM emu_links();

-- EXPLAIN ANALYZE counts the links removed; a refused batch/archive names
-- what the statement removed before it
SELECT * FROM explain_analyze($$DELETE FROM pc_contacts WHERE from_id = '510' AND to_id = '1001'$$);
CALL emu_faults('{"fail_next": [{"status": 403, "match": {"path_contains": "/batch/archive"},
  "body": {"status": "error", "category": "MISSING_SCOPES", "message": "This app lacks the scope to remove associations."}}]}');
SELECT * FROM try($$DELETE FROM pc_contacts WHERE from_id = '510'$$);
CALL emu_faults('{}');
SELECT count(*) FROM emu_links() WHERE from_id = '510';

-- ---------- the sync in one statement each ----------
-- staging names records 501, 503, 504 and 505; staging_links what they
-- must link to: 501 (no links left) a new one, 503 two of its five, 504
-- none, 505 one of its five
TRUNCATE staging;
INSERT INTO staging VALUES ('501'), ('503'), ('504'), ('505');
CREATE TEMP TABLE staging_links (from_id text, to_id text);
INSERT INTO staging_links VALUES ('501', '1003'), ('503', '1001'), ('503', '1004'), ('505', '1002');
ANALYZE staging, staging_links;
-- the plan's HubSpot parts (the joins around them differ between versions)
CREATE FUNCTION hubspot_plan(sql text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || sql LOOP
    IF line ~ 'HubSpot|Delete on|Insert on' THEN
      RETURN NEXT regexp_replace(line, '^ *(->  )?', '');
    END IF;
  END LOOP;
END $$;
SELECT hubspot_plan($$DELETE FROM pc_contacts l
 WHERE l.from_id IN (SELECT id FROM staging)
   AND NOT EXISTS (SELECT 1 FROM staging_links s WHERE s.from_id = l.from_id AND s.to_id = l.to_id)$$);
SELECT hubspot_plan($$INSERT INTO pc_contacts
  SELECT from_id, to_id, 'partner_client_to_contact' FROM staging_links
  ON CONFLICT DO NOTHING$$);
CALL emu_clear();
SELECT affected($$DELETE FROM pc_contacts l
 WHERE l.from_id IN (SELECT id FROM staging)
   AND NOT EXISTS (SELECT 1 FROM staging_links s WHERE s.from_id = l.from_id AND s.to_id = l.to_id)$$) AS deleted;
SELECT affected($$INSERT INTO pc_contacts
  SELECT from_id, to_id, 'partner_client_to_contact' FROM staging_links
  ON CONFLICT DO NOTHING$$) AS inserted;
SELECT method, path, inputs, status FROM link_requests;
SELECT from_id, to_id FROM emu_links() WHERE from_id IN (SELECT id FROM staging)
EXCEPT SELECT from_id, to_id FROM staging_links;
SELECT from_id, to_id FROM staging_links
EXCEPT SELECT from_id, to_id FROM emu_links() WHERE from_id IN (SELECT id FROM staging);
SELECT from_id, to_id, association_type FROM pc_contacts
 WHERE from_id IN ('501', '503', '504', '505') ORDER BY 1, 2;
-- run again, nothing changes but HubSpot's confirmation of the links
CALL emu_clear();
SELECT affected($$DELETE FROM pc_contacts l
 WHERE l.from_id IN (SELECT id FROM staging)
   AND NOT EXISTS (SELECT 1 FROM staging_links s WHERE s.from_id = l.from_id AND s.to_id = l.to_id)$$) AS deleted;
SELECT method, path, inputs FROM link_requests;

-- ---------- what a link table refuses ----------
SELECT * FROM try($$UPDATE pc_contacts SET to_id = '1002' WHERE from_id = '503'$$);
SELECT * FROM try($$INSERT INTO pc_contacts VALUES ('503', '1003', 'partner_client_to_contact') RETURNING *$$);
SELECT * FROM try($$INSERT INTO pc_contacts VALUES ('503', NULL, 'partner_client_to_contact')$$);
SELECT * FROM try($$INSERT INTO pc_contacts VALUES ('503', '1003', 'no_such_type')$$);
SELECT * FROM try($$INSERT INTO pc_contacts VALUES ('503', '4242', 'partner_client_to_contact')$$);

-- ---------- COPY, and EXPLAIN ANALYZE of an INSERT ----------
CALL emu_clear();
COPY pc_contacts FROM stdin;
560	1001	partner_client_to_contact
560	1002	partner_client_to_contact
\.
SELECT * FROM explain_analyze($$INSERT INTO pc_contacts VALUES ('560', '1003', 'partner_client_to_contact')$$);
SELECT method, path, inputs, status FROM link_requests;
SELECT to_id FROM emu_links() WHERE from_id = '560' ORDER BY 1;

-- ---------- send_at 'commit': links are created at COMMIT ----------
ALTER FOREIGN TABLE pc_contacts OPTIONS (ADD send_at 'commit');
CALL emu_clear();
BEGIN;
INSERT INTO pc_contacts VALUES ('504', '1001', 'partner_client_to_contact'),
                               ('504', '1002', 'partner_client_to_contact');
SELECT count(*) AS sent_before_commit FROM emu_requests;
COMMIT;
SELECT method, path, inputs, status FROM link_requests;
SELECT to_id FROM emu_links() WHERE from_id = '504' ORDER BY 1;
SELECT * FROM try($$DELETE FROM pc_contacts WHERE from_id = '504'$$);
ALTER FOREIGN TABLE pc_contacts OPTIONS (DROP send_at);

-- ---------- answers in v4's shape (the date versions' too) ----------
CREATE FOREIGN TABLE pc_contacts_v4 (
  from_id bigint,
  to_id bigint,
  association_type text,
  association_category text,
  association_type_id integer,
  label text
) SERVER hubspot OPTIONS (object_type 'partner_clients', associations_to 'contacts');
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path_contains": "/batch/read"},
  "body": {"status": "COMPLETE", "startedAt": "2026-01-01T00:00:00Z", "completedAt": "2026-01-01T00:00:00Z",
           "results": [{"from": {"id": "510"},
                        "to": [{"toObjectId": 1001, "associationTypes": [
                                  {"category": "HUBSPOT_DEFINED", "typeId": 901},
                                  {"category": "USER_DEFINED", "typeId": 12, "label": "Billing"}]},
                               {"toObjectId": "1003", "associationTypes": [
                                  {"category": "HUBSPOT_DEFINED", "typeId": 901}]}]}]}}]}');
SELECT * FROM pc_contacts_v4 WHERE from_id = 510 ORDER BY to_id, association_type_id;
-- a record whose paging cursor comes back again would page forever
CALL emu_faults('{"fail_next": [
  {"status": 200, "match": {"path_contains": "/batch/read"},
   "body": {"status": "COMPLETE", "results": [{"from": {"id": "510"}, "to": [{"id": "1001", "type": "partner_client_to_contact"}],
            "paging": {"next": {"after": "again"}}}]}},
  {"status": 200, "match": {"path_contains": "/batch/read"},
   "body": {"status": "COMPLETE", "results": [{"from": {"id": "510"}, "to": [{"id": "1002", "type": "partner_client_to_contact"}],
            "paging": {"next": {"after": "again"}}}]}}]}');
SELECT sqlstate, message FROM try($$SELECT * FROM pc_contacts WHERE from_id = '510'$$);
-- an answer that is not one
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path_contains": "/batch/read"},
  "body": {"status": "COMPLETE", "results": [{"from": {"id": "510"}, "to": [{"toObjectId": "1"}]}]}}]}');
SELECT sqlstate, message FROM try($$SELECT * FROM pc_contacts WHERE from_id = '510'$$);
CALL emu_faults('{}');

-- ---------- under a date version (api_version 2026-03 and 2026-09) ----------
-- The same table on a server of each date version: links are read with the
-- version's batch/read (v4's shape: association_type is the label, or the
-- type id of an unlabelled type), created with association specs, and
-- removed with batch/labels/archive, which removes only the type named.
\getenv emu_url HUBSPOT_EMULATOR_URL
\getenv token HUBSPOT_TEST_TOKEN
CREATE SERVER hubspot_2603 FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '0', api_version '2026-03');
CREATE SERVER hubspot_2609 FOREIGN DATA WRAPPER hubspot_fdw
  OPTIONS (api_url :'emu_url', rate_limit_per_10s '0', api_version '2026-09');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_2603 OPTIONS (access_token :'token');
CREATE USER MAPPING FOR CURRENT_USER SERVER hubspot_2609 OPTIONS (access_token :'token');
CREATE FOREIGN TABLE pc_contacts_2603 (from_id text, to_id text, association_type text,
  association_category text, association_type_id int, label text)
  SERVER hubspot_2603 OPTIONS (object_type 'partner_clients', associations_to 'contacts');
CREATE FOREIGN TABLE pc_contacts_2609 (from_id text, to_id text, association_type text)
  SERVER hubspot_2609 OPTIONS (object_type 'partner_clients', associations_to 'contacts');
CALL emu_clear();
SELECT affected($$INSERT INTO pc_contacts_2603 (from_id, to_id, association_type)
  VALUES ('590', '1001', '901'), ('590', '1002', 'Billing contact'), ('591', '1001', 'default')$$) AS inserted;
SELECT * FROM pc_contacts_2603 WHERE from_id IN ('590', '591') ORDER BY from_id, to_id, association_type_id;
SELECT * FROM pc_contacts_2609 WHERE from_id = '590' ORDER BY to_id;
SELECT * FROM try($$INSERT INTO pc_contacts_2603 (from_id, to_id, association_type) VALUES ('590', '1003', 'no such label')$$);
SELECT affected($$DELETE FROM pc_contacts_2609 WHERE from_id = '590' AND to_id = '1002'$$) AS deleted;
SELECT from_id, to_id, association_type FROM emu_links() WHERE from_id IN ('590', '591') ORDER BY 1, 2, 3;
SELECT method, path, body->'inputs' AS inputs, status FROM emu_requests
 WHERE path NOT LIKE '%/labels' ORDER BY seq;
SELECT count(*) AS label_reads FROM emu_requests WHERE path LIKE '%/labels';
-- from ids not written as record ids are not sent; a link answered for
-- another id than those asked (a merged record) is no row
CALL emu_clear();
SELECT * FROM pc_contacts_2609 WHERE from_id IN ('0590', ' 590', '590x');
SELECT count(*) AS requests FROM emu_requests;
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path_contains": "/batch/read"},
  "body": {"status": "COMPLETE", "startedAt": "2026-01-01T00:00:00Z", "completedAt": "2026-01-01T00:00:00Z",
           "results": [{"from": {"id": "600"}, "to": [{"toObjectId": 1001, "associationTypes": [
                          {"category": "HUBSPOT_DEFINED", "typeId": 901}]}]}]}}]}');
SELECT * FROM pc_contacts_2609 WHERE from_id = '590';
CALL emu_faults('{}');
-- a date version answers a removal with a batch response: its errors fail
-- the statement
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path_contains": "/batch/labels/archive"},
  "body": {"status": "COMPLETE", "results": [], "numErrors": 1, "startedAt": "2026-01-01T00:00:00Z",
           "completedAt": "2026-01-01T00:00:00Z",
           "errors": [{"status": "error", "category": "VALIDATION_ERROR", "message": "cannot remove"}]}}]}');
SELECT sqlstate, message, detail FROM try($$DELETE FROM pc_contacts_2603 WHERE from_id = '590'$$);
CALL emu_faults('{}');
-- two types of one pair go in two removals, in the order of the rows
CALL emu_clear();
SELECT affected($$INSERT INTO pc_contacts_2603 (from_id, to_id, association_type)
  VALUES ('592', '1001', '901'), ('592', '1001', 'Billing contact')$$) AS inserted;
SELECT affected($$DELETE FROM pc_contacts_2603 WHERE from_id = '592'$$) AS deleted;
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs, status FROM emu_requests
 WHERE path NOT LIKE '%/labels' ORDER BY seq;
SELECT count(*) AS left_592 FROM emu_links() WHERE from_id = '592';
-- a date version reads the links of up to 1,000 records per request (v3: 100)
CALL emu_clear();
SELECT count(DISTINCT from_id) AS records FROM pc_contacts_2609
 WHERE from_id = ANY (ARRAY(SELECT (500 + g)::text FROM generate_series(1, 150) g));
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu_requests ORDER BY seq;
SET client_min_messages = warning;
DROP SERVER hubspot_2603, hubspot_2609 CASCADE;
RESET client_min_messages;

DROP FOREIGN TABLE pc_contacts, pc_contacts_v4;
DROP VIEW link_requests;
DROP FUNCTION emu_links(), hubspot_plan(text);
DROP TABLE staging, staging_links;
CALL emu_reset();
