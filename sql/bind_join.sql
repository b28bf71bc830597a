--
-- Bind joins: a HubSpot table joined on its id (or its id_property column)
-- to a local table, VALUES, a function or a CTE fetches exactly the keys
-- of the other side, 100 per batch/read, and never pages the list.
--
CALL emu_reset();

-- What the emulator received: one line per request. Reads first, larger
-- first: batch/reads in flight together arrive in any order.
CREATE VIEW bj_requests AS
  SELECT method, path, jsonb_array_length(body->'inputs') AS inputs,
         body->>'idProperty' AS id_property, status
    FROM emu_requests
   ORDER BY path NOT LIKE '%/batch/read', jsonb_array_length(body->'inputs') DESC, seq;

-- 100 staging rows: 95 records HubSpot has, 5 it lacks (9001-9005).
CREATE TABLE staging (id text, tier text, n bigint);
INSERT INTO staging SELECT (500 + g)::text, 'silver', 500 + g FROM generate_series(1, 95) g;
INSERT INTO staging SELECT (9000 + g)::text, 'silver', 9000 + g FROM generate_series(1, 5) g;
ANALYZE staging;

-- inner join
EXPLAIN (COSTS OFF)
SELECT s.id, pc.hs_name FROM staging s JOIN partner_clients pc ON pc.id = s.id;
CALL emu_clear();
SELECT count(*), min(pc.hs_name), max(pc.hs_name) FROM staging s JOIN partner_clients pc ON pc.id = s.id;
SELECT * FROM bj_requests;
-- the properties asked for are those the query uses
SELECT body->'properties' AS props, body->'inputs'->0 AS first_input FROM emu_requests;

-- IN (SELECT ...), = ANY (SELECT ...), EXISTS: semi joins
EXPLAIN (COSTS OFF)
SELECT id FROM partner_clients WHERE id IN (SELECT id FROM staging);
CALL emu_clear();
SELECT count(*) FROM partner_clients WHERE id IN (SELECT id FROM staging);
SELECT count(*) FROM partner_clients WHERE id = ANY (SELECT id FROM staging);
SELECT * FROM bj_requests;
EXPLAIN (COSTS OFF)
SELECT s.id FROM staging s WHERE EXISTS (SELECT 1 FROM partner_clients pc WHERE pc.id = s.id);
CALL emu_clear();
SELECT count(*) FROM staging s WHERE EXISTS (SELECT 1 FROM partner_clients pc WHERE pc.id = s.id);
SELECT * FROM bj_requests;

-- NOT EXISTS: an anti join finds the ids HubSpot lacks
EXPLAIN (COSTS OFF)
SELECT s.id FROM staging s WHERE NOT EXISTS (SELECT 1 FROM partner_clients pc WHERE pc.id = s.id);
CALL emu_clear();
SELECT s.id FROM staging s WHERE NOT EXISTS (SELECT 1 FROM partner_clients pc WHERE pc.id = s.id)
 ORDER BY s.id;
SELECT * FROM bj_requests;

-- LEFT JOIN: the HubSpot table on the nullable side
EXPLAIN (COSTS OFF)
SELECT s.id, pc.tier FROM staging s LEFT JOIN partner_clients pc ON pc.id = s.id;
CALL emu_clear();
SELECT count(*), count(pc.id), count(pc.tier) FROM staging s LEFT JOIN partner_clients pc ON pc.id = s.id;
SELECT s.id, pc.hs_name FROM staging s LEFT JOIN partner_clients pc ON pc.id = s.id
 WHERE s.id IN ('501', '9001') ORDER BY 1;
SELECT * FROM bj_requests;
-- a condition on the HubSpot table decides which records match
EXPLAIN (COSTS OFF)
SELECT s.id, pc.id FROM staging s
  LEFT JOIN partner_clients pc ON pc.id = s.id AND pc.hs_name LIKE 'Client 50%';
SELECT count(*), count(pc.id) FROM staging s
  LEFT JOIN partner_clients pc ON pc.id = s.id AND pc.hs_name LIKE 'Client 50%';

-- EXPLAIN ANALYZE counts the requests; VERBOSE shows the properties
SELECT * FROM explain_analyze('SELECT pc.tier FROM staging s JOIN partner_clients pc ON pc.id = s.id', true);

-- UPDATE ... FROM: 95 of the 100 ids exist; the new values come from the
-- other side alone, so one batch/update and no batch/read (suite bind_modify)
EXPLAIN (COSTS OFF)
UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id;
CALL emu_clear();
SELECT affected('UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id');
SELECT * FROM bj_requests;
SELECT emu_object('partner_clients/501')->'properties'->>'hs_tier' AS tier_501,
       emu_object('partner_clients/595')->'properties'->>'hs_tier' AS tier_595,
       emu_object('partner_clients/596')->'properties'->>'hs_tier' AS tier_596;
-- the new values may use the HubSpot table's columns: batch/read, then batch/update
CALL emu_clear();
UPDATE partner_clients pc SET hs_name = pc.hs_name || ' (' || s.tier || ')'
  FROM staging s WHERE pc.id = s.id AND s.id IN ('501', '502', '9001');
SELECT * FROM bj_requests;
SELECT body->'inputs' FROM emu_requests WHERE path LIKE '%batch/update' ORDER BY seq;
-- WHERE id IN (SELECT ...) is the same join (a constant: batch/update only)
CALL emu_clear();
UPDATE partner_clients SET tier = 'gold' WHERE id IN (SELECT id FROM staging WHERE n < 511);
SELECT * FROM bj_requests;

-- duplicate keys: PostgreSQL updates the row once, with one of the matches
-- (the first read: no id twice in the batch/update)
CREATE TABLE staging_dup (id text, tier text);
INSERT INTO staging_dup VALUES ('501', 'bronze'), ('502', 'bronze'), ('501', 'silver'), (NULL, 'gold');
ANALYZE staging_dup;
CALL emu_clear();
SELECT affected('UPDATE partner_clients pc SET tier = d.tier FROM staging_dup d WHERE pc.id = d.id');
SELECT * FROM bj_requests;
SELECT jsonb_array_elements(body->'inputs')->>'id' AS id FROM emu_requests
 WHERE path LIKE '%batch/update' ORDER BY 1;
-- when another join follows the bind join, every joined row is an update:
-- sent in order, one batch after the other for the same record
CREATE TABLE numbers AS SELECT g AS x FROM generate_series(1, 10000) g;
ANALYZE numbers;
CALL emu_clear();
SELECT affected('UPDATE partner_clients pc SET tier = d.tier FROM staging_dup d, numbers
                  WHERE pc.id = d.id AND numbers.x = length(pc.hs_name)');
SELECT method, path, body->'inputs' AS inputs FROM emu_requests ORDER BY seq;
-- a SELECT returns both matches; the key is asked for once
CALL emu_clear();
SELECT d.id, d.tier, pc.hs_name FROM staging_dup d JOIN partner_clients pc ON pc.id = d.id
 ORDER BY 1, 2;
SELECT * FROM bj_requests;

-- 150 staging rows: two batch/reads (100 and 50)
CREATE TABLE staging_150 AS SELECT (500 + g)::text AS id FROM generate_series(1, 150) g;
ANALYZE staging_150;
CALL emu_clear();
SELECT count(*) FROM staging_150 s JOIN partner_clients pc ON pc.id = s.id;
SELECT * FROM bj_requests;

-- the other side can be VALUES, a function, a CTE
CALL emu_clear();
SELECT v.id, pc.hs_name FROM (VALUES ('510'), ('511'), ('9999')) v(id)
  JOIN partner_clients pc ON pc.id = v.id ORDER BY 1;
SELECT g, pc.hs_name FROM generate_series(520, 522) g
  JOIN partner_clients pc ON pc.id = g::text ORDER BY 1;
WITH w AS MATERIALIZED (SELECT id FROM staging WHERE n BETWEEN 530 AND 532)
SELECT w.id, pc.hs_name FROM w JOIN partner_clients pc ON pc.id = w.id ORDER BY 1;
SELECT * FROM bj_requests;

-- keys: NULL matches nothing and is not sent; bigint and numeric columns
-- name records as HubSpot's id text does; a fraction names no record
CREATE FOREIGN TABLE pc_bigint (id bigint, hs_name text)
  SERVER hubspot OPTIONS (object_type 'partner_clients');
CREATE FOREIGN TABLE pc_numeric (id numeric, hs_name text)
  SERVER hubspot OPTIONS (object_type 'partner_clients');
CREATE TABLE staging_num (n bigint, x numeric);
INSERT INTO staging_num VALUES (501, 501.00), (502, 502.5), (NULL, NULL), (503, 'NaN'), (504, 504);
ANALYZE staging_num;
CALL emu_clear();
SELECT s.n, pc.hs_name FROM staging_num s JOIN pc_bigint pc ON pc.id = s.n ORDER BY 1;
SELECT s.x, pc.hs_name FROM staging_num s JOIN pc_numeric pc ON pc.id = s.x ORDER BY 1;
SELECT * FROM bj_requests;
SELECT body->'inputs' FROM emu_requests ORDER BY seq;
-- a bigint outer value against the text id column
CALL emu_clear();
SELECT s.n, pc.hs_name FROM staging_num s JOIN partner_clients pc ON pc.id = s.n::text ORDER BY 1;
SELECT * FROM bj_requests;

-- a join on the id_property's column: batch/read with idProperty
CREATE FOREIGN TABLE bj_contacts_by_email (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object_type 'contacts', id_property 'email');
CREATE TABLE staging_email (email text);
INSERT INTO staging_email VALUES ('contact1001@example.com'), ('CONTACT1002@example.com'),
  ('nobody@example.com'), (NULL);
ANALYZE staging_email;
EXPLAIN (COSTS OFF)
SELECT e.email, c.id FROM staging_email e JOIN bj_contacts_by_email c ON c.email = e.email;
CALL emu_clear();
SELECT e.email, c.id FROM staging_email e JOIN bj_contacts_by_email c ON c.email = e.email;
SELECT * FROM bj_requests;
-- HubSpot matches email in any case; PostgreSQL's equality decides, so a
-- record answering CONTACT1002@example.com is not a match
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path_contains": "batch/read"},
  "body": {"status": "COMPLETE", "results": [
    {"id": "1001", "properties": {"email": "contact1001@example.com"}},
    {"id": "1002", "properties": {"email": "contact1002@example.com"}}]}}]}');
SELECT e.email, c.id FROM staging_email e JOIN bj_contacts_by_email c ON c.email = e.email;
SELECT e.email, c.id FROM staging_email e LEFT JOIN bj_contacts_by_email c ON c.email = e.email
 ORDER BY 1;
CALL emu_faults('{}');

-- a key column of another type than text: every record of a batch is tried
-- with the key condition for each row of it
CREATE FOREIGN TABLE pc_by_key (id text, hs_external_key name, hs_name text)
  SERVER hubspot OPTIONS (object_type 'partner_clients', id_property 'hs_external_key');
CREATE TABLE staging_key (k name);
INSERT INTO staging_key VALUES ('PC-501'), ('PC-502'), ('PC-502'), ('pc-503'), ('PC-9999'), (NULL);
ANALYZE staging_key;
CALL emu_clear();
SELECT k.k, p.id FROM staging_key k LEFT JOIN pc_by_key p ON p.hs_external_key = k.k ORDER BY 1;
SELECT * FROM bj_requests;

-- DELETE ... USING: batch/read, then batch/archive of the records that exist
CREATE FOREIGN TABLE bj_contacts (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object_type 'contacts');
CREATE TABLE gone (id text);
INSERT INTO gone VALUES ('1001'), ('1002'), ('1002'), ('9999'), (NULL);
ANALYZE gone;
EXPLAIN (COSTS OFF) DELETE FROM bj_contacts c USING gone g WHERE c.id = g.id;
CALL emu_clear();
SELECT affected('DELETE FROM bj_contacts c USING gone g WHERE c.id = g.id');
SELECT * FROM bj_requests;
SELECT body FROM emu_requests WHERE path LIKE '%batch/archive';
SELECT id FROM bj_contacts ORDER BY 1;

-- INSERT ... SELECT from a join
CALL emu_clear();
INSERT INTO bj_contacts (email, firstname)
SELECT 'client' || pc.id || '@example.com', pc.hs_name
  FROM staging s JOIN partner_clients pc ON pc.id = s.id WHERE s.n IN (540, 541, 9001);
SELECT * FROM bj_requests;
SELECT email, firstname FROM bj_contacts WHERE email LIKE 'client%' ORDER BY 1;

-- hubspot_associate_batch over a join
CREATE TABLE links (client_id text, contact_id text);
INSERT INTO links VALUES ('550', '1003'), ('551', '1004'), ('9001', '1005');
ANALYZE links;
CALL emu_clear();
-- (with the type's id, which every api_version takes; a date version first
-- reads the labels once, not shown)
SELECT hubspot_associate_batch('hubspot', 'partner_clients', pc.id, 'contacts', l.contact_id,
                               '901')
  FROM links l JOIN partner_clients pc ON pc.id = l.client_id;
SELECT * FROM bj_requests WHERE path NOT LIKE '%/labels';

-- with a LIMIT, one batch/read at a time: it may be the only one needed
CREATE TABLE staging_450 AS SELECT (500 + g)::text AS id FROM generate_series(1, 290) g
  UNION ALL SELECT (9000 + g)::text FROM generate_series(1, 160) g;
ANALYZE staging_450;
CALL emu_clear();
SELECT count(*) FROM (SELECT pc.id FROM staging_450 s JOIN partner_clients pc ON pc.id = s.id
                       LIMIT 5) x;
SELECT * FROM bj_requests;
-- without, up to max_concurrency batch/reads in flight
CALL emu_faults('{"delay_ms": 200}');
CALL emu_clear();
SELECT count(*) FROM staging_450 s JOIN partner_clients pc ON pc.id = s.id;
SELECT (doc->>'api_requests')::int AS requests, (doc->>'max_in_flight')::int AS max_in_flight
  FROM emu('stats') doc;
CALL emu_faults('{}');

-- an error HubSpot names for a batch/read fails the statement as a scan's does
CALL emu_faults('{"fail_next": [{"status": 207, "match": {"path_contains": "batch/read"},
  "body": {"status": "COMPLETE", "results": [], "errors": [
    {"status": "error", "category": "VALIDATION_ERROR", "message": "no good"}]}}]}');
SELECT * FROM try('SELECT count(*) FROM staging s JOIN partner_clients pc ON pc.id = s.id');
CALL emu_faults('{"fail_next": [{"status": 500, "match": {"path_contains": "batch/read"}}]}');
ALTER SERVER hubspot OPTIONS (ADD max_retries '0');
SELECT * FROM try('SELECT count(*) FROM staging s JOIN partner_clients pc ON pc.id = s.id');
ALTER SERVER hubspot OPTIONS (DROP max_retries);
CALL emu_faults('{}');

-- run again for each row of a correlated subquery, with its parameter
CALL emu_clear();
SELECT o.x, (SELECT count(*) FROM staging s JOIN partner_clients pc ON pc.id = s.id
              WHERE s.n < o.x) AS joined
  FROM (VALUES (505), (510), (503)) o(x);
SELECT * FROM bj_requests;

-- with many more keys than the list has pages, the list is read instead
CREATE TABLE staging_5000 AS SELECT (500 + g)::text AS id FROM generate_series(1, 5000) g;
ANALYZE staging_5000;
SELECT uses_bind_join('SELECT count(*) FROM staging_5000 s JOIN partner_clients pc ON pc.id = s.id')
  AS many_keys;

-- not offered where it would be wrong: rows locked FOR UPDATE, an UPDATE of
-- a local table (both could make EvalPlanQual run the join again for one
-- row), system columns of the HubSpot table
SELECT uses_bind_join('SELECT s.id FROM staging s JOIN partner_clients pc ON pc.id = s.id') AS plain,
       uses_bind_join('SELECT s.id FROM staging s JOIN partner_clients pc ON pc.id = s.id FOR UPDATE OF s') AS for_update,
       uses_bind_join('UPDATE staging s SET tier = pc.tier FROM partner_clients pc WHERE pc.id = s.id') AS local_update,
       uses_bind_join('SELECT pc.tableoid FROM staging s JOIN partner_clients pc ON pc.id = s.id') AS system_column,
       uses_bind_join('SELECT s.id FROM staging s JOIN partner_clients pc ON pc.hs_name = s.id') AS not_a_key;

-- the whole row of the HubSpot table
CALL emu_clear();
SELECT pc FROM staging s JOIN partner_clients pc ON pc.id = s.id WHERE s.n IN (501, 502) ORDER BY 1;
SELECT body->'properties' AS props FROM emu_requests;

-- a 20,000-record portal: a 100-row sync is one batch/update, never the list
CALL emu_reset();
SELECT doc->>'created' AS created, doc->>'first_id' AS first_id, doc->>'last_id' AS last_id
  FROM emu('bulk', '{"type": "contacts", "count": 20000,
                     "properties": {"email": "bulk{n}@example.com", "firstname": "Bulk"}}') doc;
CREATE TABLE sync AS
  SELECT (1005 + g * 200)::text AS id, 'bulk' || (g * 200) || '@example.com' AS email,
         'Synced ' || g AS firstname
    FROM generate_series(1, 100) g;
ANALYZE sync;
CALL emu_clear();
SELECT affected('UPDATE bj_contacts c SET firstname = s.firstname FROM sync s WHERE c.id = s.id');
SELECT * FROM bj_requests;
-- by the id_property: batch/read and batch/update name records by email
CALL emu_clear();
SELECT affected('UPDATE bj_contacts_by_email c SET firstname = upper(s.firstname)
                   FROM sync s WHERE c.email = s.email');
SELECT * FROM bj_requests;
SELECT body->'inputs'->0 AS first_input FROM emu_requests WHERE path LIKE '%batch/update';
SELECT emu_object('contacts/1205')->'properties'->>'firstname' AS firstname_1205;

DROP TABLE sync;

-- a HubSpot table with inheritance children is scanned with them: no bind join
CALL emu_reset();
CREATE FOREIGN TABLE pc_parent (id text, hs_name text) SERVER hubspot
  OPTIONS (object_type 'partner_clients');
SELECT uses_bind_join('SELECT * FROM staging s JOIN pc_parent pc ON pc.id = s.id') AS without_children;
CREATE TABLE pc_child () INHERITS (pc_parent);
INSERT INTO pc_child VALUES ('777777', 'local child');
INSERT INTO staging VALUES ('777777', 'gold', 777777);
SELECT uses_bind_join('SELECT * FROM staging s JOIN pc_parent pc ON pc.id = s.id') AS with_children;
SELECT count(*) FROM staging s JOIN pc_parent pc ON pc.id = s.id;
SELECT count(*) FROM staging s WHERE EXISTS (SELECT 1 FROM pc_parent pc WHERE pc.id = s.id);
-- once the child is gone (PostgreSQL still plans the table as a parent), it is one again
DROP TABLE pc_child;
SELECT uses_bind_join('SELECT * FROM staging s JOIN pc_parent pc ON pc.id = s.id') AS child_dropped;
DROP FOREIGN TABLE pc_parent;
DELETE FROM staging WHERE id = '777777';

-- hubspot_fdw.enable_bind_join turns them off
SET hubspot_fdw.enable_bind_join = off;
SELECT uses_bind_join('SELECT * FROM staging s JOIN partner_clients pc ON pc.id = s.id') AS when_off;
RESET hubspot_fdw.enable_bind_join;
SELECT uses_bind_join('SELECT * FROM staging s JOIN partner_clients pc ON pc.id = s.id') AS when_on;

-- a LATERAL reference: the HubSpot table is scanned again for each row
CREATE TABLE lat (x text, id text);
INSERT INTO lat VALUES ('local-a', '501'), ('local-b', '502'), ('local-c', '9999');
SELECT l.x, sub.id, sub.lx
  FROM lat l LEFT JOIN LATERAL
       (SELECT pc.id, l.x AS lx FROM partner_clients pc WHERE pc.id = l.id) sub ON true
 ORDER BY l.x;
DROP TABLE lat;

DROP TABLE staging, staging_dup, numbers, staging_150, staging_num, staging_email, staging_key, gone, links, staging_450, staging_5000;
DROP FOREIGN TABLE pc_bigint, pc_numeric, pc_by_key, bj_contacts_by_email, bj_contacts;
DROP VIEW bj_requests;
