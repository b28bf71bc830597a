--
-- Batch writes in flight. INSERT (batch/create, batch/upsert), DELETE
-- (batch/archive) and UPDATE (batch/update) send each full batch and go on
-- with their rows: at most max_concurrency batches are in flight, their
-- answers are checked oldest first, and a record never has two writes in
-- flight at once.
--
-- Overlapping requests arrive in no fixed order, so they are compared by
-- content, never by arrival. The emulator stamps when each request arrived
-- and when its answer started to go out: two requests were in flight
-- together when each arrived before the other was answered.
--
CALL emu_reset();

-- The batch requests since the last emu_clear(), with their times (ms).
CREATE VIEW emu_batches AS
  SELECT (r->>'seq')::int AS seq, substring(r->>'path' from '/batch/([a-z]+)$') AS kind,
         jsonb_array_length(r->'body'->'inputs') AS inputs, r->'body' AS body,
         (r->>'status')::int AS status, (r->>'arrived_ms')::float8 AS arrived,
         coalesce((r->>'answered_ms')::float8, 'infinity') AS answered
    FROM emu('requests') r WHERE r->>'path' LIKE '%/batch/%';

-- The most batch requests of one kind that HubSpot was answering at once:
-- at each arrival, the requests of that kind arrived and not yet answered.
CREATE FUNCTION max_in_flight(k text) RETURNS bigint LANGUAGE sql AS $$
  WITH b AS MATERIALIZED (SELECT * FROM emu_batches WHERE kind = k)
  SELECT coalesce(max((SELECT count(*) FROM b o
                        WHERE o.arrived <= b.arrived AND o.answered > b.arrived)), 0)
    FROM b
$$;

CREATE FOREIGN TABLE pipe_contacts (id text, email text, firstname text, lastname text)
  SERVER hubspot OPTIONS (object_type 'contacts');
CREATE FOREIGN TABLE pipe_contacts_up (id text, email text, firstname text)
  SERVER hubspot OPTIONS (object_type 'contacts', insert_mode 'upsert', id_property 'email');

-- HubSpot takes 300 ms to answer each batch write
CALL emu_faults('{"delays": [{"ms": 300, "match": {"path_regex": "/batch/(create|upsert|archive|update)$"}}]}');

-- INSERT ... SELECT of 250 rows: 3 batch/create of 100, 100 and 50 inputs,
-- each row once, all in flight together (max_concurrency is 4)
CALL emu_clear();
SELECT affected($$INSERT INTO pipe_contacts (email, firstname, lastname)
  SELECT 'p' || g || '@example.com', 'Pipe', 'L' || g FROM generate_series(1, 250) g$$) AS inserted;
SELECT kind, inputs, status FROM emu_batches ORDER BY inputs DESC, status;
SELECT count(*) AS inputs, count(DISTINCT i->>'objectWriteTraceId') AS trace_ids,
       min((i->>'objectWriteTraceId')::int) AS first, max((i->>'objectWriteTraceId')::int) AS last,
       count(DISTINCT i->'properties'->>'email') AS emails
  FROM emu_batches, jsonb_array_elements(body->'inputs') i;
SELECT max_in_flight('create') > 1 AS overlapped, max_in_flight('create') <= 4 AS within_max_concurrency;
SELECT count(*) AS created, count(DISTINCT id) AS ids FROM pipe_contacts WHERE firstname = 'Pipe';

-- max_concurrency bounds it: 1 sends one batch at a time, 2 two
ALTER SERVER hubspot OPTIONS (ADD max_concurrency '1');
CALL emu_clear();
INSERT INTO pipe_contacts (email, firstname) SELECT 'q' || g || '@example.com', 'Q' FROM generate_series(1, 250) g;
SELECT count(*) AS requests, max_in_flight('create') AS in_flight FROM emu_batches;
ALTER SERVER hubspot OPTIONS (SET max_concurrency '2');
CALL emu_clear();
INSERT INTO pipe_contacts (email, firstname) SELECT 'r' || g || '@example.com', 'R' FROM generate_series(1, 250) g;
SELECT count(*) AS requests, max_in_flight('create') AS in_flight FROM emu_batches;
ALTER SERVER hubspot OPTIONS (DROP max_concurrency);
-- EXPLAIN ANALYZE waits for the answers before it counts
SELECT explain_analyze($$INSERT INTO pipe_contacts (email, firstname) SELECT 's' || g || '@example.com', 'S' FROM generate_series(1, 250) g$$, true);

-- DELETE of the 250: 3 batch/archive (ceil(250 / 100)), each id once,
-- in flight together while the list is still being read
CALL emu_clear();
SELECT affected($$DELETE FROM pipe_contacts WHERE firstname = 'Pipe'$$) AS deleted;
SELECT kind, inputs, status FROM emu_batches ORDER BY inputs DESC, status;
SELECT count(*) AS ids, count(DISTINCT i->>'id') AS distinct_ids
  FROM emu_batches, jsonb_array_elements(body->'inputs') i;
SELECT max_in_flight('archive') > 1 AS overlapped;
SELECT count(*) AS pipe_left FROM pipe_contacts WHERE firstname = 'Pipe';
-- 1,050 records: 11 batch/archive, never more than max_concurrency (4) at once
SELECT doc->>'created' AS created
  FROM emu('bulk', '{"type": "contacts", "count": 1050, "properties": {"email": "bulk{n}@example.com", "firstname": "Bulk"}}') doc;
CALL emu_clear();
SELECT affected($$DELETE FROM pipe_contacts WHERE firstname = 'Bulk'$$) AS deleted;
SELECT count(*) AS requests, sum(inputs) AS ids, count(*) FILTER (WHERE inputs = 100) AS full_batches,
       max_in_flight('archive') > 1 AS overlapped, max_in_flight('archive') <= 4 AS within_max_concurrency
  FROM emu_batches;
-- max_concurrency 1: one at a time
ALTER SERVER hubspot OPTIONS (ADD max_concurrency '1');
CALL emu_clear();
SELECT affected($$DELETE FROM pipe_contacts WHERE firstname = 'Q'$$) AS deleted;
SELECT count(*) AS requests, max_in_flight('archive') AS in_flight FROM emu_batches;
ALTER SERVER hubspot OPTIONS (DROP max_concurrency);
SELECT explain_analyze($$DELETE FROM pipe_contacts WHERE firstname = 'R'$$, true);

-- upsert: one record never has two writes in flight. Row 150 repeats row
-- 50's key, so the second batch waits for the first's answer; the third
-- overlaps the second. The later value wins.
CALL emu_clear();
INSERT INTO pipe_contacts_up (email, firstname)
  SELECT 'u' || (CASE WHEN g = 150 THEN 50 ELSE g END) || '@example.com', 'Up' || g
    FROM generate_series(1, 250) g;
SELECT kind, inputs, status FROM emu_batches ORDER BY inputs DESC, status;
WITH k AS (SELECT * FROM emu_batches b
            WHERE EXISTS (SELECT FROM jsonb_array_elements(b.body->'inputs') i
                           WHERE i->>'id' = 'u50@example.com'))
SELECT count(*) AS batches_naming_u50,
       (SELECT count(*) FROM k a, k c WHERE a.seq < c.seq AND c.arrived < a.answered) AS overlapping
  FROM k;
SELECT max_in_flight('upsert') > 1 AS others_overlapped;
SELECT email, firstname FROM pipe_contacts WHERE email = 'u50@example.com';
SELECT count(*) AS upserted FROM pipe_contacts WHERE firstname LIKE 'Up%';

-- UPDATE's batches overlap the same way
CALL emu_clear();
UPDATE partner_clients SET hs_country = 'SE' WHERE tier = 'gold';
SELECT kind, inputs, status FROM emu_batches ORDER BY inputs DESC, status;
SELECT max_in_flight('update') > 1 AS overlapped;

-- A failure in the middle: row 150 repeats a unique email, so HubSpot
-- refuses the second batch whole. The first stays created and is counted;
-- the third was in flight, and a warning says so.
CALL emu_clear();
SELECT * FROM try($$INSERT INTO pipe_contacts (email, firstname) SELECT CASE WHEN g = 150 THEN 'contact1001@example.com' ELSE 'f' || g || '@example.com' END, 'Fail' FROM generate_series(1, 250) g$$);
SELECT pg_sleep(1);  -- let HubSpot answer the abandoned batch
SELECT kind, inputs, status FROM emu_batches ORDER BY inputs DESC, status;
-- the first and the third batch were created, the second not
SELECT count(*) AS created, min(substring(email from 'f(\d+)@')::int) AS first_row,
       max(substring(email from 'f(\d+)@')::int) AS last_row,
       count(*) FILTER (WHERE substring(email from 'f(\d+)@')::int BETWEEN 101 AND 200) AS of_second_batch
  FROM pipe_contacts WHERE firstname = 'Fail';
-- DELETE of 250 rows, read in id order: HubSpot refuses the batch/archive
-- naming the 150th, the second of 3. The first stays archived and is
-- counted; the third was in flight.
SELECT id AS victim FROM pipe_contacts WHERE firstname = 'S' ORDER BY id::int OFFSET 149 LIMIT 1 \gset
CALL emu_faults(format('{"delays": [{"ms": 300, "match": {"path_regex": "/batch/archive$"}}],
                         "rules": [{"n": 1, "status": 403, "match": {"body_contains": "\"%s\""}}]}', :'victim')::jsonb);
CALL emu_clear();
SELECT * FROM try($$DELETE FROM pipe_contacts WHERE firstname = 'S'$$);
SELECT pg_sleep(1);  -- let HubSpot answer the abandoned batch
CALL emu_faults('{}');
SELECT status, count(*) AS requests, sum(inputs) AS ids FROM emu_batches GROUP BY 1 ORDER BY 1;
SELECT count(*) AS s_left,
       count(*) FILTER (WHERE id IN (SELECT i->>'id' FROM emu_batches, jsonb_array_elements(body->'inputs') i
                                     WHERE status = 403)) AS of_refused_batch
  FROM pipe_contacts WHERE firstname = 'S';
