--
-- UPDATE ... FROM over a bind join, when the new values use no column of
-- the HubSpot table: a direct UPDATE that sends one batch/update per 100
-- rows of the other side, with no batch/read and no list page. Anything
-- else keeps the join: a batch/read, then the writes.
--
CALL emu_reset();

CREATE VIEW bm_requests AS
  SELECT method, path, jsonb_array_length(body->'inputs') AS inputs, status
    FROM emu_requests ORDER BY seq;

-- 100 staging rows: 95 records HubSpot has, 5 it lacks (9001-9005)
CREATE TABLE staging (id text, tier text, n bigint);
INSERT INTO staging SELECT (500 + g)::text, 'silver', 500 + g FROM generate_series(1, 95) g;
INSERT INTO staging SELECT (9000 + g)::text, 'silver', 9000 + g FROM generate_series(1, 5) g;
ANALYZE staging;

EXPLAIN (COSTS OFF)
UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id;
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id;
-- one request; the 5 ids HubSpot lacks are no rows: UPDATE 95
CALL emu_clear();
SELECT affected('UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id');
SELECT * FROM bm_requests;
SELECT body->'inputs'->0 AS first_input,
       (SELECT count(DISTINCT i->>'id') FROM jsonb_array_elements(body->'inputs') i) AS distinct_ids
  FROM emu_requests;
SELECT emu_object('partner_clients/501')->'properties'->>'hs_tier' AS tier_501,
       emu_object('partner_clients/595')->'properties'->>'hs_tier' AS tier_595;

-- EXPLAIN ANALYZE counts the request
SELECT * FROM explain_analyze('UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id');

-- values of several columns of the other side, constants, functions of
-- them, NULL (clears), a PL/pgSQL variable (a parameter); conditions on
-- the other side
CREATE FUNCTION bm_set(new_tier text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  UPDATE partner_clients pc SET tier = lower(new_tier), hs_name = upper(s.tier) || ' ' || s.n,
         hs_country = NULL
    FROM staging s WHERE pc.id = s.id AND s.n BETWEEN 501 AND 503;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
CALL emu_clear();
SELECT bm_set('GOLD');
DROP FUNCTION bm_set(text);
SELECT * FROM bm_requests;
SELECT jsonb_array_elements(body->'inputs') - 'objectWriteTraceId' AS input
  FROM emu_requests ORDER BY 1;

-- duplicate keys on the local side: PostgreSQL updates a record once, with
-- one of the rows that join it; here the first row read. No id is sent
-- twice, and a NULL key, or one written as no record id is, sends nothing
CREATE TABLE staging_dup (id text, tier text, ord int);
INSERT INTO staging_dup VALUES ('501', 'bronze', 1), ('502', 'bronze', 2), ('501', 'silver', 3),
  (NULL, 'gold', 4), ('0503', 'gold', 5), (' 504', 'gold', 6), ('9001', 'gold', 7), ('9001', 'gold', 8);
ANALYZE staging_dup;
CALL emu_clear();
SELECT affected('UPDATE partner_clients pc SET tier = d.tier FROM staging_dup d WHERE pc.id = d.id');
SELECT * FROM bm_requests;
SELECT i->>'id' AS id, i->'properties'->>'hs_tier' AS tier
  FROM emu_requests, jsonb_array_elements(body->'inputs') i ORDER BY 1;
-- a batch of 100 distinct ids, the same 200 rows twice over
CREATE TABLE staging_twice AS
  SELECT (500 + g % 100 + 1)::text AS id, 'gold' AS tier FROM generate_series(1, 200) g;
ANALYZE staging_twice;
CALL emu_clear();
SELECT affected('UPDATE partner_clients pc SET tier = t.tier FROM staging_twice t WHERE pc.id = t.id');
SELECT method, path, inputs, status,
       (SELECT count(DISTINCT i->>'id') FROM emu_requests e, jsonb_array_elements(e.body->'inputs') i)
         AS distinct_ids
  FROM bm_requests;

-- the other side can be VALUES, a view, a CTE, a function
CREATE VIEW staging_v AS SELECT id, upper(tier) || '-v' AS name FROM staging WHERE n BETWEEN 510 AND 512;
CALL emu_clear();
SELECT affected($$UPDATE partner_clients pc SET hs_name = v.name
                    FROM (VALUES ('520', 'values'), ('521', 'values'), ('9999', 'values')) v(id, name)
                   WHERE pc.id = v.id$$) AS from_values;
SELECT affected('UPDATE partner_clients pc SET hs_name = v.name FROM staging_v v WHERE pc.id = v.id')
  AS from_view;
SELECT affected($$WITH w AS MATERIALIZED (SELECT id, 'cte' AS name FROM staging WHERE n BETWEEN 530 AND 533)
                  UPDATE partner_clients pc SET hs_name = w.name FROM w WHERE pc.id = w.id$$) AS from_cte;
SELECT affected($$UPDATE partner_clients pc SET hs_name = 'series-' || g
                    FROM generate_series(540, 541) g WHERE pc.id = g::text$$) AS from_function;
SELECT * FROM bm_requests;
SELECT jsonb_array_elements(body->'inputs')->>'id' AS id,
       jsonb_array_elements(body->'inputs')->'properties'->>'hs_name' AS name
  FROM emu_requests ORDER BY 1;
-- the other side a join of two tables; a value from a subquery run once
CREATE TABLE tiers (n bigint, tier text);
INSERT INTO tiers VALUES (560, 'gold'), (561, 'bronze'), (9001, 'gold');
CALL emu_clear();
SELECT affected($$UPDATE partner_clients pc SET tier = t.tier,
                          hs_name = (SELECT 'from ' || count(*) FROM tiers)
                    FROM staging s JOIN tiers t ON t.n = s.n WHERE pc.id = s.id$$) AS two_tables;
SELECT * FROM bm_requests;
SELECT jsonb_array_elements(body->'inputs') - 'objectWriteTraceId' AS input
  FROM emu_requests ORDER BY 1;
DROP TABLE tiers;
-- WHERE id IN (SELECT ...) with a constant
CALL emu_clear();
SELECT affected('UPDATE partner_clients SET tier = ''gold'' WHERE id IN (SELECT id FROM staging WHERE n < 511)');
SELECT * FROM bm_requests;

-- a numeric key names the record as its id text does; a fraction names none
CREATE FOREIGN TABLE pc_numeric (id numeric, tier text OPTIONS (property 'hs_tier'))
  SERVER hubspot OPTIONS (object_type 'partner_clients');
CREATE TABLE staging_num (x numeric, tier text);
INSERT INTO staging_num VALUES (550.00, 'gold'), (551.5, 'gold'), (NULL, 'gold'), (552, 'gold');
ANALYZE staging_num;
CALL emu_clear();
SELECT affected('UPDATE pc_numeric pc SET tier = s.tier FROM staging_num s WHERE pc.id = s.x');
SELECT * FROM bm_requests;
SELECT jsonb_array_elements(body->'inputs')->>'id' AS id FROM emu_requests ORDER BY 1;

-- char(n) keys compare without their padding, as PostgreSQL compares them;
-- a key of more than 2^63 - 1 names no record and is not sent
CREATE FOREIGN TABLE pc_char (id char(6), tier text OPTIONS (property 'hs_tier'))
  SERVER hubspot OPTIONS (object_type 'partner_clients');
CREATE TABLE staging_char (id char(24), tier text);
INSERT INTO staging_char VALUES ('553', 'bronze'), ('554', 'bronze'), ('92233720368547758070', 'bronze');
ANALYZE staging_char;
CALL emu_clear();
SELECT count(*) AS joined FROM pc_char p JOIN staging_char s ON p.id = s.id;
SELECT affected('UPDATE pc_char pc SET tier = s.tier FROM staging_char s WHERE pc.id = s.id');
SELECT method, path, jsonb_path_query_array(body, '$.inputs[*].id') AS ids, status FROM emu_requests ORDER BY seq;
-- and so does an id scan of a char(n) id column
SELECT id, length(id) FROM pc_char WHERE id = '553';
SELECT id FROM pc_char WHERE id IN ('553', '554') ORDER BY id;
DROP FOREIGN TABLE pc_char;
DROP TABLE staging_char;

-- the join stays (batch/read, then batch/update) when the new values use
-- the HubSpot table's columns, a condition looks at them, rows come back
-- (RETURNING: a PATCH per row), or the key is the id_property
CALL emu_clear();
SELECT affected($$UPDATE partner_clients pc SET hs_name = pc.hs_name || ' (' || s.tier || ')'
                   FROM staging s WHERE pc.id = s.id AND s.n IN (501, 502, 9001)$$) AS uses_column;
SELECT * FROM bm_requests;
CALL emu_clear();
SELECT affected($$UPDATE partner_clients pc SET tier = s.tier
                   FROM staging s WHERE pc.id = s.id AND pc.hs_name LIKE 'Client 50%' AND s.n < 506$$)
  AS condition;
SELECT * FROM bm_requests;
CALL emu_clear();
UPDATE partner_clients pc SET tier = 'bronze' FROM staging s
 WHERE pc.id = s.id AND s.n IN (501, 502, 9001)
RETURNING pc.id, pc.tier, s.n;
SELECT * FROM bm_requests;
CREATE FOREIGN TABLE pc_by_key (id text, hs_external_key text, tier text OPTIONS (property 'hs_tier'))
  SERVER hubspot OPTIONS (object_type 'partner_clients', id_property 'hs_external_key');
CREATE TABLE staging_key (k text);
INSERT INTO staging_key VALUES ('PC-501'), ('PC-502'), ('PC-9999');
ANALYZE staging_key;
CALL emu_clear();
SELECT affected('UPDATE pc_by_key p SET tier = ''gold'' FROM staging_key k WHERE p.hs_external_key = k.k')
  AS by_id_property;
SELECT * FROM bm_requests;
-- nor with send_at 'commit' (rows are read, so UPDATE n stays true)
ALTER FOREIGN TABLE partner_clients OPTIONS (ADD send_at 'commit');
EXPLAIN (COSTS OFF)
UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id;
ALTER FOREIGN TABLE partner_clients OPTIONS (DROP send_at);
-- hubspot_fdw.enable_bind_join off: no bind join, no direct UPDATE of one
SET hubspot_fdw.enable_bind_join = off;
EXPLAIN (COSTS OFF)
UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id;
RESET hubspot_fdw.enable_bind_join;

-- an error HubSpot names for an input fails the statement as other batches do
CALL emu_faults('{"fail_next": [{"status": 207, "match": {"path_contains": "batch/update"},
  "body": {"status": "COMPLETE", "results": [], "errors": [
    {"status": "error", "category": "VALIDATION_ERROR", "message": "no good",
     "context": {"ids": ["501"]}}]}}]}');
SELECT sqlstate, message FROM try('UPDATE partner_clients pc SET tier = s.tier FROM staging s WHERE pc.id = s.id AND s.n < 503');
CALL emu_faults('{}');

-- a 20,000-record portal: a 100-row sync is one request, 1,000 rows ten
CALL emu_reset();
SELECT doc->>'created' AS created
  FROM emu('bulk', '{"type": "contacts", "count": 20000,
                     "properties": {"email": "bulk{n}@example.com", "firstname": "Bulk"}}') doc;
CREATE FOREIGN TABLE bm_contacts (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object_type 'contacts', estimated_rows '20000');
CREATE TABLE sync AS
  SELECT (1005 + g * 200)::text AS id, 'Synced ' || g AS firstname
    FROM generate_series(1, 100) g;
ANALYZE sync;
CALL emu_clear();
SELECT affected('UPDATE bm_contacts c SET firstname = s.firstname FROM sync s WHERE c.id = s.id');
SELECT * FROM bm_requests;
SELECT emu_object('contacts/1205')->'properties'->>'firstname' AS firstname_1205;
CREATE TABLE sync_1000 AS
  SELECT (1000 + g * 20)::text AS id, 'Thousand ' || g AS firstname
    FROM generate_series(1, 1000) g;
ANALYZE sync_1000;
CALL emu_clear();
SELECT affected('UPDATE bm_contacts c SET firstname = s.firstname FROM sync_1000 s WHERE c.id = s.id');
SELECT count(*) AS requests, min(path) = max(path) AS one_endpoint, min(path) AS path,
       sum(inputs) AS inputs, max(inputs) AS largest
  FROM bm_requests;
SELECT emu_object('contacts/20980')->'properties'->>'firstname' AS firstname_20980;

DROP TABLE staging, staging_dup, staging_twice, staging_num, staging_key, sync, sync_1000 CASCADE;
DROP FOREIGN TABLE pc_numeric, pc_by_key, bm_contacts;
DROP VIEW bm_requests;
