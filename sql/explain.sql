--
-- EXPLAIN (VERBOSE) shows the HubSpot requests a statement will send:
-- endpoint, filters, properties, batch size, direct or not, concurrency.
-- EXPLAIN ANALYZE adds the requests actually sent and their retries.
--
CALL emu_reset();
CREATE SCHEMA x;
IMPORT FOREIGN SCHEMA crm LIMIT TO (partner_clients, contacts) FROM SERVER hubspot INTO x;
CREATE FOREIGN TABLE x.contacts_up (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object_type 'contacts', insert_mode 'upsert', id_property 'email');

-- reads: list, by id, by ids, search
EXPLAIN (VERBOSE, COSTS OFF) SELECT hs_name FROM x.partner_clients;
EXPLAIN (VERBOSE, COSTS OFF) SELECT hs_name FROM x.partner_clients LIMIT 5;
EXPLAIN (VERBOSE, COSTS OFF) SELECT hs_name FROM x.partner_clients WHERE id = '512';
EXPLAIN (VERBOSE, COSTS OFF) SELECT hs_name FROM x.partner_clients WHERE id IN ('512', '513');
EXPLAIN (VERBOSE, COSTS OFF) SELECT hs_name FROM x.partner_clients WHERE hs_country = 'DE' AND hs_score >= 90;

-- UPDATE: direct (no read), batched, per row
EXPLAIN (VERBOSE, COSTS OFF) UPDATE x.partner_clients SET hs_tier = 'gold' WHERE id = '512';
EXPLAIN (VERBOSE, COSTS OFF) UPDATE x.partner_clients SET hs_tier = 'gold' WHERE id IN ('512', '513');
EXPLAIN (VERBOSE, COSTS OFF) UPDATE x.partner_clients SET hs_score = hs_score + 1 WHERE hs_country = 'DE';
EXPLAIN (VERBOSE, COSTS OFF) UPDATE x.partner_clients SET hs_tier = 'gold' WHERE hs_country = 'DE' RETURNING id;

-- INSERT: batch/create, one row per request with RETURNING, batch/upsert
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO x.contacts (email, firstname) VALUES ('e@example.com', 'E');
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO x.contacts (email) VALUES ('e@example.com') RETURNING id;
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO x.contacts_up (email, firstname) VALUES ('e@example.com', 'E');

-- DELETE: direct, batched, per row
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM x.contacts WHERE id = '1001';
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM x.contacts WHERE lastname = '1001';
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM x.contacts WHERE lastname = '1001' RETURNING email;

-- concurrency is the server's max_concurrency for the batches of an UPDATE
ALTER SERVER hubspot OPTIONS (ADD max_concurrency '3');
EXPLAIN (VERBOSE, COSTS OFF) UPDATE x.partner_clients SET hs_name = 'n' WHERE hs_country = 'DE';
ALTER SERVER hubspot OPTIONS (SET max_concurrency '1');
EXPLAIN (VERBOSE, COSTS OFF) UPDATE x.partner_clients SET hs_name = 'n' WHERE hs_country = 'DE';
EXPLAIN (VERBOSE, COSTS OFF) SELECT hs_name FROM x.partner_clients;
ALTER SERVER hubspot OPTIONS (DROP max_concurrency);

-- EXPLAIN sends nothing
CALL emu_clear();
EXPLAIN (COSTS OFF) DELETE FROM x.contacts WHERE id = '1001';
EXPLAIN (COSTS OFF) INSERT INTO x.contacts (email) VALUES ('e@example.com');
SELECT count(*) AS requests FROM emu_requests;

-- EXPLAIN ANALYZE counts what was sent, and the retries
CALL emu_faults('{"fail_next": [{"status": 429, "match": {"path_contains": "/batch/update"}, "headers": {"Retry-After": "0"}},
                                {"status": 503, "match": {"path_contains": "/batch/update"}}]}');
SELECT explain_analyze($$UPDATE x.partner_clients SET hs_name = hs_name || '!' WHERE hs_tier = 'gold'$$, true);
CALL emu_faults('{}');
SELECT explain_analyze($$INSERT INTO x.contacts (email) SELECT 'a' || g || '@example.com' FROM generate_series(1, 150) g$$);
SELECT explain_analyze($$DELETE FROM x.contacts WHERE email LIKE 'a%@example.com'$$);
SELECT explain_analyze($$DELETE FROM x.contacts WHERE id = '1001'$$);
SELECT explain_analyze($$UPDATE x.partner_clients SET hs_tier = 'silver' WHERE id IN ('501', '502')$$);
