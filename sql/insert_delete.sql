--
-- INSERT and DELETE: batch/create, batch/upsert, DELETE and batch/archive
-- for the object types HubSpot lets create and archive; refused at plan
-- time for partner objects.
--
CALL emu_reset();
CREATE FOREIGN TABLE contacts (
  id text,
  email text,
  firstname text,
  lastname text,
  createdate timestamptz OPTIONS (read_only 'true')
) SERVER hubspot OPTIONS (object_type 'contacts');

-- partner objects: refused while planning, so not one request is sent
CALL emu_clear();
\set VERBOSITY default
INSERT INTO partner_clients (hs_name) VALUES ('new');
INSERT INTO partner_services (hs_name) SELECT hs_name FROM partner_services WHERE id = '3001';
DELETE FROM partner_clients WHERE id = '512';
DELETE FROM partner_services WHERE hs_status = 'active';
EXPLAIN DELETE FROM partner_clients;
COPY partner_clients (hs_name) FROM stdin;
never sent
\.
-- the object type's name is not case-sensitive
CREATE FOREIGN TABLE pc_upper (id text, hs_name text) SERVER hubspot OPTIONS (object_type 'PARTNER_CLIENTS');
INSERT INTO pc_upper (hs_name) VALUES ('new');
DELETE FROM pc_upper WHERE id = '512';
DROP FOREIGN TABLE pc_upper;
SELECT count(*) AS requests FROM emu_requests;
SELECT count(*) AS partner_clients_left FROM partner_clients;
-- what each table allows (INSERT 8, UPDATE 4, DELETE 16)
SELECT c.relname, pg_relation_is_updatable(c.oid, false) AS updatable
  FROM pg_class c WHERE c.relname IN ('partner_clients', 'partner_services', 'contacts')
   AND c.relnamespace = 'public'::regnamespace ORDER BY 1;

-- INSERT: one batch/create of up to 100 inputs; a NULL is no property;
-- each input has its objectWriteTraceId and no associations
CALL emu_clear();
INSERT INTO contacts (email, firstname) VALUES ('a@example.com', 'A'), ('b@example.com', NULL);
SELECT method, path, body, status FROM emu_requests ORDER BY seq;
SELECT id, email, firstname, lastname FROM contacts WHERE id IN ('1006', '1007') ORDER BY id;

-- 250 rows: 3 requests of 100, 100 and 50 inputs, and nothing else (they
-- overlap, so they are listed by size, not by arrival)
CALL emu_clear();
SELECT affected($$INSERT INTO contacts (email, firstname, lastname)
  SELECT 'gen' || g || '@example.com', 'Gen', 'L' || g FROM generate_series(1, 250) g$$);
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs, status FROM emu_requests ORDER BY inputs DESC;
SELECT count(*) AS inputs, count(DISTINCT i->>'objectWriteTraceId') AS trace_ids,
       min((i->>'objectWriteTraceId')::int) AS first, max((i->>'objectWriteTraceId')::int) AS last,
       count(*) FILTER (WHERE i->'associations' = '[]' AND
                        (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(i->'properties') k)
                          = '{email,firstname,lastname}') AS well_formed
  FROM emu_requests, jsonb_array_elements(body->'inputs') i;
SELECT count(*), count(DISTINCT id), min(lastname), max(email) FROM contacts WHERE firstname = 'Gen';

-- batch_size applies to INSERT too
ALTER FOREIGN TABLE contacts OPTIONS (ADD batch_size '40');
CALL emu_clear();
INSERT INTO contacts (email) SELECT 'small' || g || '@example.com' FROM generate_series(1, 90) g;
SELECT string_agg(jsonb_array_length(body->'inputs')::text, ',' ORDER BY jsonb_array_length(body->'inputs') DESC) AS batches FROM emu_requests;
ALTER FOREIGN TABLE contacts OPTIONS (DROP batch_size);

-- RETURNING: one input per request, and the row HubSpot created comes back
CALL emu_clear();
INSERT INTO contacts (email, firstname) VALUES ('r1@example.com', 'R'), ('r2@example.com', 'R')
  RETURNING id, email, firstname, lastname, createdate IS NOT NULL AS has_createdate;
SELECT method, path, body FROM emu_requests ORDER BY seq;

-- HubSpot assigns ids and sets read-only properties: a value is refused
-- before anything is sent; NULL is fine
CALL emu_clear();
INSERT INTO contacts (id, email) VALUES ('42', 'x@example.com');
INSERT INTO contacts (email, createdate) VALUES ('x@example.com', now());
INSERT INTO contacts (id, email, createdate) VALUES (NULL, 'n@example.com', NULL);
SELECT method, path, body->'inputs' AS inputs FROM emu_requests ORDER BY seq;

-- HubSpot's errors: the statement fails; earlier batches stay created
CALL emu_clear();
SELECT * FROM try($$INSERT INTO contacts (email) SELECT 'dup' || g || '@example.com' FROM generate_series(1, 150) g UNION ALL SELECT 'contact1001@example.com'$$);
SELECT method, jsonb_array_length(body->'inputs') AS inputs, status FROM emu_requests ORDER BY inputs DESC;
SELECT count(*) AS created_before_the_error FROM contacts WHERE email LIKE 'dup%';
CREATE FOREIGN TABLE contacts_bad (id text, email text, no_such_property text)
  SERVER hubspot OPTIONS (object_type 'contacts');
SELECT * FROM try($$INSERT INTO contacts_bad (email, no_such_property) VALUES ('e@example.com', 'x')$$);
-- ON CONFLICT is not HubSpot's: insert_mode 'upsert' is
SELECT * FROM try($$INSERT INTO contacts (email) VALUES ('a@example.com') ON CONFLICT DO NOTHING$$);

-- COPY FROM creates records too, batch_size rows per batch/create
-- (PostgreSQL 15 hands a foreign table one row at a time: they are buffered)
CALL emu_clear();
COPY contacts (email, firstname) FROM stdin;
copy1@example.com	Copy
copy2@example.com	\N
\.
SELECT method, path, body->'inputs' AS inputs FROM emu_requests ORDER BY body->'inputs'->0->>'objectWriteTraceId';

-- insert_mode 'upsert' needs an id_property, checked by CREATE and ALTER
CREATE FOREIGN TABLE contacts_up (id text, email text, firstname text, lastname text)
  SERVER hubspot OPTIONS (object_type 'contacts', insert_mode 'upsert');
CREATE FOREIGN TABLE contacts_up (id text, email text, firstname text, lastname text)
  SERVER hubspot OPTIONS (object_type 'contacts', insert_mode 'merge', id_property 'email');
CREATE FOREIGN TABLE contacts_up (id text, email text, firstname text, lastname text)
  SERVER hubspot OPTIONS (object_type 'contacts');
ALTER FOREIGN TABLE contacts_up OPTIONS (ADD insert_mode 'upsert');
ALTER FOREIGN TABLE contacts_up OPTIONS (ADD insert_mode 'upsert', id_property 'email');
ALTER FOREIGN TABLE contacts_up OPTIONS (DROP id_property);

-- upsert: batch/upsert keyed by email; existing keys are updated (a NULL
-- clears, columns not named stay), new keys are created
CALL emu_clear();
INSERT INTO contacts_up (email, firstname, lastname) VALUES
  ('contact1003@example.com', 'Updated', NULL),
  ('brand.new@example.com', 'New', 'Person');
SELECT method, path, body, status FROM emu_requests ORDER BY seq;
SELECT emu_object('contacts/1003')->'properties'->>'email' AS email,
       emu_object('contacts/1003')->'properties'->>'firstname' AS firstname,
       emu_object('contacts/1003')->'properties'->>'lastname' AS lastname;
SELECT id, email, firstname, lastname FROM contacts WHERE email = 'brand.new@example.com';
SELECT count(*) AS contacts_named_1003 FROM contacts WHERE email = 'contact1003@example.com';
-- only the columns named are sent
CALL emu_clear();
INSERT INTO contacts_up (email, lastname) VALUES ('contact1004@example.com', 'Only');
SELECT body FROM emu_requests;
SELECT email, firstname, lastname FROM contacts WHERE id = '1004';
-- one key twice: HubSpot refuses repeated ids in a batch, so two requests
CALL emu_clear();
INSERT INTO contacts_up (email, firstname) VALUES
  ('twice@example.com', 'First'), ('other@example.com', 'O'), ('twice@example.com', 'Second');
SELECT seq, (SELECT string_agg(i->>'id' || '=' || (i->'properties'->>'firstname'), ', ')
               FROM jsonb_array_elements(body->'inputs') i) AS inputs FROM emu_requests ORDER BY seq;
SELECT email, firstname FROM contacts WHERE email = 'twice@example.com';
-- RETURNING shows HubSpot's answer
INSERT INTO contacts_up (email, firstname) VALUES ('contact1005@example.com', 'Ret')
  RETURNING id, email, firstname, lastname;
-- the key must be given
INSERT INTO contacts_up (firstname) VALUES ('no key');
INSERT INTO contacts_up (email, firstname) VALUES (NULL, 'null key');
-- EXPLAIN
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO contacts_up (email, firstname) VALUES ('x@example.com', 'X');
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO contacts (email) VALUES ('x@example.com') RETURNING id;

-- DELETE WHERE id = value: one DELETE and no read; a missing record is DELETE 0
CALL emu_clear();
SELECT affected($$DELETE FROM contacts WHERE id = '1001'$$) AS deleted;
SELECT affected($$DELETE FROM contacts WHERE id = '1001'$$) AS deleted_again;
SELECT method, path, status FROM emu_requests ORDER BY seq;
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM contacts WHERE id = '1001';
-- a parameter works the same way
PREPARE del(text) AS DELETE FROM contacts WHERE id = $1;
SET plan_cache_mode = force_generic_plan;
CALL emu_clear();
EXECUTE del('1002');
SELECT method, path, status FROM emu_requests ORDER BY seq;
RESET plan_cache_mode;
DEALLOCATE del;

-- other DELETEs read the rows, then archive them, 100 ids per batch/archive
CALL emu_clear();
SELECT affected($$DELETE FROM contacts WHERE firstname = 'Gen'$$) AS deleted;
SELECT count(*) FILTER (WHERE method = 'GET') AS list_pages,
       string_agg(jsonb_array_length(body->'inputs')::text, ',' ORDER BY jsonb_array_length(body->'inputs') DESC)
         FILTER (WHERE path LIKE '%/batch/archive') AS archive_batches,
       count(*) FILTER (WHERE path LIKE '%/batch/archive' AND status = 204) AS answered_204,
       count(*) AS requests
  FROM emu_requests;
SELECT count(*) AS gen_left FROM contacts WHERE firstname = 'Gen';
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM contacts WHERE firstname = 'Gen';
CALL emu_clear();
SELECT affected($$DELETE FROM contacts WHERE id IN ('1003', '1004', '999999')$$) AS deleted;
SELECT method, path, body, status FROM emu_requests ORDER BY seq;
-- a record joined twice is archived once and counted once
CALL emu_clear();
SELECT affected($$DELETE FROM contacts c USING (VALUES ('a@example.com'), ('a@example.com'), ('b@example.com')) v(e) WHERE c.email = v.e$$) AS deleted;
SELECT method, path, body FROM emu_requests WHERE method = 'POST' ORDER BY seq;
-- RETURNING: one DELETE per row, returning the row as it was read
CALL emu_clear();
DELETE FROM contacts WHERE email LIKE 'r_@example.com' RETURNING id, email, firstname;
SELECT method, path, status FROM emu_requests WHERE method <> 'GET' ORDER BY seq;
-- by id_property: HubSpot archives by record id, read by key first
CREATE FOREIGN TABLE contacts_key (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object_type 'contacts', id_property 'email');
-- (small1's id depends on which of its INSERT's overlapping batches HubSpot
-- took first: it is compared, not shown)
SELECT id AS small1_id FROM contacts WHERE email = 'small1@example.com' \gset
CALL emu_clear();
DELETE FROM contacts_key WHERE email = 'small1@example.com';
SELECT method, path, query->>'idProperty' AS id_property,
       body->'inputs' = jsonb_build_array(jsonb_build_object('id', :'small1_id')) AS archives_small1
  FROM emu_requests ORDER BY seq;
-- a DELETE that HubSpot refuses
CALL emu_faults('{"fail_next": [{"status": 403, "match": {"path_contains": "/batch/archive"}}]}');
SELECT * FROM try($$DELETE FROM contacts WHERE email LIKE 'small%'$$);
CALL emu_faults('{}');

-- send_at 'commit' keeps UPDATEs for COMMIT, which INSERT and DELETE cannot do
CREATE FOREIGN TABLE contacts_commit (id text, email text)
  SERVER hubspot OPTIONS (object_type 'contacts', send_at 'commit');
CALL emu_clear();
INSERT INTO contacts_commit (email) VALUES ('c@example.com');
DELETE FROM contacts_commit WHERE id = '1005';
SELECT count(*) AS requests FROM emu_requests;

-- companies are created and archived the same way
CREATE FOREIGN TABLE companies (id text, name text, domain text)
  SERVER hubspot OPTIONS (object_type 'companies');
CALL emu_clear();
INSERT INTO companies (name, domain) VALUES ('Acme', 'acme.example.com') RETURNING id, name;
DELETE FROM companies WHERE domain = 'acme.example.com';
SELECT method, path, status FROM emu_requests ORDER BY seq;
SELECT count(*) AS acme_left FROM companies WHERE domain = 'acme.example.com';

-- a longer COPY: 250 rows in 3 batch/create (last, as it adds records)
CALL emu_clear();
COPY contacts (email) FROM PROGRAM 'seq -f copy-many-%g@example.com 1 250';
SELECT method, path, jsonb_array_length(body->'inputs') AS inputs FROM emu_requests
 ORDER BY inputs DESC, seq;
SELECT count(DISTINCT i->'properties'->>'email') AS emails_sent
  FROM emu_requests, jsonb_array_elements(body->'inputs') i;
SELECT count(*) AS created FROM contacts WHERE email LIKE 'copy-many-%';

-- rows routed to a HubSpot partition: RETURNING shows HubSpot's answer
CREATE TABLE people (id text, email text, lastname text) PARTITION BY LIST (lastname);
CREATE FOREIGN TABLE people_hs PARTITION OF people FOR VALUES IN ('Hub')
  SERVER hubspot OPTIONS (object_type 'contacts');
CREATE TABLE people_local PARTITION OF people DEFAULT;
CALL emu_clear();
INSERT INTO people (email, lastname) VALUES ('routed@example.com', 'Hub'), ('local@example.com', 'Local')
  RETURNING id IS NOT NULL AS has_id, email, lastname, tableoid::regclass;
SELECT method, path, body->'inputs'->0->'properties' AS properties FROM emu_requests ORDER BY seq;
SELECT (SELECT id FROM people_hs WHERE email = 'routed@example.com') =
       (SELECT max(id::int)::text FROM contacts) AS returned_row_exists;
DROP TABLE people;
