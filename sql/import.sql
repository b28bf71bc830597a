--
-- IMPORT FOREIGN SCHEMA crm: one foreign table per object type, with a
-- typed column per property, read from GET /crm/v3/properties/{type}.
--
CALL emu_reset();

-- the default set: partner_clients and partner_services
CREATE SCHEMA hs;
IMPORT FOREIGN SCHEMA crm FROM SERVER hubspot INTO hs;
SELECT method, path, query, status FROM emu_requests ORDER BY seq;
SELECT c.relname, s.srvname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
  JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE c.relnamespace = 'hs'::regnamespace ORDER BY 1;

-- id first, then one column per property (by name), typed after HubSpot's
-- type, with the HubSpot type, read-only and unique flags as column options
SELECT attname, format_type(atttypid, atttypmod) AS type, attfdwoptions
  FROM pg_attribute WHERE attrelid = 'hs.partner_clients'::regclass AND attnum > 0
 ORDER BY attnum;
-- calculated -> read_only; phone_number -> text; booleancheckbox -> boolean
SELECT attname, format_type(atttypid, atttypmod) AS type, attfdwoptions
  FROM pg_attribute WHERE attrelid = 'hs.partner_services'::regclass AND attnum > 0
 ORDER BY attnum;

-- the imported tables read typed values
CALL emu_clear();
SELECT id, hs_score, hs_active, hs_signup_date, hs_regions, hs_last_review, hs_tier
  FROM hs.partner_clients WHERE id IN ('501', '502', '503', '504') ORDER BY id;
SELECT pg_typeof(hs_score) AS score, pg_typeof(hs_active) AS active,
       pg_typeof(hs_signup_date) AS signup, pg_typeof(hs_last_review) AS review,
       pg_typeof(hs_regions) AS regions, pg_typeof(hs_createdate) AS created
  FROM hs.partner_clients WHERE id = '501';
SELECT id, hs_price, hs_num_clients, hs_phone, hs_preferred, hs_status
  FROM hs.partner_services WHERE id IN ('3001', '3002', '3003') ORDER BY id;
SELECT count(*) FILTER (WHERE hs_active) AS active, count(*) FILTER (WHERE 'apac' = ANY (hs_regions)) AS apac,
       min(hs_signup_date), max(hs_score), count(hs_last_review) AS reviewed
  FROM hs.partner_clients;
-- only the properties the query needs are asked for
SELECT method, path,
       coalesce(query->>'properties',
                (SELECT string_agg(p, ',') FROM jsonb_array_elements_text(body->'properties') p)) AS props
  FROM emu_requests ORDER BY seq;

-- read-only and calculated columns are refused at plan time: nothing is sent
CALL emu_clear();
\set VERBOSITY default
UPDATE hs.partner_clients SET hs_createdate = now() WHERE id = '512';
UPDATE hs.partner_clients SET hs_object_id = 1 WHERE hs_name = 'Client 512';
UPDATE hs.partner_clients SET hs_name = 'x', hs_lastmodifieddate = now() WHERE id IN ('512', '513')
  RETURNING id;
EXPLAIN UPDATE hs.partner_services SET hs_num_clients = 3 WHERE id = '3001';
SELECT * FROM try($$UPDATE hs.partner_services SET hs_num_clients = hs_num_clients + 1$$);
SELECT count(*) AS requests FROM emu_requests;
-- the other columns update as usual
UPDATE hs.partner_services SET hs_preferred = true, hs_phone = '+49 30 1234567' WHERE id = '3002';
SELECT method, path, body FROM emu_requests ORDER BY seq;
SELECT id, hs_preferred, hs_phone, hs_num_clients FROM hs.partner_services WHERE id = '3002';

-- LIMIT TO: any object type, each with one properties request
CALL emu_clear();
CREATE SCHEMA hs_limit;
IMPORT FOREIGN SCHEMA crm LIMIT TO (partner_clients, contacts) FROM SERVER hubspot INTO hs_limit;
SELECT method, path FROM emu_requests ORDER BY seq;
SELECT c.relname, ft.ftoptions FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'hs_limit'::regnamespace ORDER BY 1;
SELECT attname, format_type(atttypid, atttypmod) AS type, attfdwoptions
  FROM pg_attribute WHERE attrelid = 'hs_limit.contacts'::regclass AND attnum > 0 ORDER BY attnum;
SELECT id, email, firstname, lastname FROM hs_limit.contacts ORDER BY id LIMIT 2;

-- EXCEPT leaves types of the default set out
CALL emu_clear();
CREATE SCHEMA hs_except;
IMPORT FOREIGN SCHEMA crm EXCEPT (partner_clients) FROM SERVER hubspot INTO hs_except;
SELECT method, path FROM emu_requests ORDER BY seq;
SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'hs_except'::regnamespace ORDER BY 1;

-- import_read_only 'false' leaves read-only and calculated properties out
CREATE SCHEMA hs_writable;
IMPORT FOREIGN SCHEMA crm FROM SERVER hubspot INTO hs_writable OPTIONS (import_read_only 'false');
SELECT attrelid::regclass AS "table", string_agg(attname, ', ' ORDER BY attnum) AS columns
  FROM pg_attribute WHERE attrelid IN ('hs_writable.partner_clients'::regclass, 'hs_writable.partner_services'::regclass)
   AND attnum > 0 GROUP BY 1 ORDER BY 1;

-- mistakes
CREATE SCHEMA hs_bad;
IMPORT FOREIGN SCHEMA public FROM SERVER hubspot INTO hs_bad;
IMPORT FOREIGN SCHEMA crm FROM SERVER hubspot INTO hs_bad OPTIONS (import_hidden 'true');
IMPORT FOREIGN SCHEMA crm FROM SERVER hubspot INTO hs_bad OPTIONS (import_read_only 'maybe');
IMPORT FOREIGN SCHEMA crm LIMIT TO ("partner clients/..") FROM SERVER hubspot INTO hs_bad;
-- an object type HubSpot does not know: its answer, as for any request
CALL emu_clear();
\x on
SELECT * FROM try($$IMPORT FOREIGN SCHEMA crm LIMIT TO (no_such_type) FROM SERVER hubspot INTO hs_bad$$);
\x off
SELECT method, path, status FROM emu_requests ORDER BY seq;
-- IMPORT uses the current user's user mapping
CREATE SERVER hubspot_nomap FOREIGN DATA WRAPPER hubspot_fdw OPTIONS (api_url 'http://127.0.0.1:1');
IMPORT FOREIGN SCHEMA crm FROM SERVER hubspot_nomap INTO hs_bad;
SELECT count(*) AS tables_in_hs_bad FROM pg_class WHERE relnamespace = 'hs_bad'::regnamespace;

DROP SERVER hubspot_nomap;
SET client_min_messages = warning;
DROP SCHEMA hs, hs_limit, hs_except, hs_writable, hs_bad CASCADE;
RESET client_min_messages;
