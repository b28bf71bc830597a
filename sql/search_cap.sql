--
-- Search returns at most 10,000 results. When more match, the scan reads
-- the list endpoint and filters locally instead, decided on the first
-- search page, before any row is returned: never truncated, never twice.
--
CALL emu_reset();
CREATE SCHEMA sc;
IMPORT FOREIGN SCHEMA crm LIMIT TO (contacts, partner_clients) FROM SERVER hubspot INTO sc;
CREATE SCHEMA lc;
IMPORT FOREIGN SCHEMA crm LIMIT TO (contacts, partner_clients) FROM SERVER hubspot INTO lc;
ALTER FOREIGN TABLE lc.contacts OPTIONS (ADD use_search 'false');
ALTER FOREIGN TABLE lc.partner_clients OPTIONS (ADD use_search 'false');

-- 10,050 more contacts named Bulk (created in the emulator, not through the API)
SELECT doc->>'created' AS created, doc->>'first_id' AS first_id, doc->>'last_id' AS last_id
  FROM emu('bulk', '{"type": "contacts", "count": 10050, "properties": {"email": "bulk{n}@example.com", "firstname": "Bulk", "lastname": "L{n}"}}') doc;

-- 10,050 match: one search says so, then 101 list pages, filtered locally
CALL emu_clear();
SELECT count(*), count(DISTINCT id) AS distinct_ids, min(lastname), max(email)
  FROM sc.contacts WHERE firstname = 'Bulk';
SELECT method, path, count(*) AS requests, max(status) AS status,
       max(body->>'filterGroups') AS filters
  FROM emu_requests GROUP BY 1, 2 ORDER BY 1 DESC;
-- exactly the rows the local filter returns
SELECT count(*) AS differences FROM (
  (SELECT id, email FROM sc.contacts WHERE firstname = 'Bulk'
   EXCEPT SELECT id, email FROM lc.contacts WHERE firstname = 'Bulk')
  UNION ALL
  (SELECT id, email FROM lc.contacts WHERE firstname = 'Bulk'
   EXCEPT SELECT id, email FROM sc.contacts WHERE firstname = 'Bulk')) d;
-- EXPLAIN ANALYZE tells what happened
SELECT explain_analyze($$SELECT id FROM sc.contacts WHERE firstname = 'Bulk'$$);

-- a condition HubSpot alone would check (no local Filter) is checked on
-- the list rows too: 10,050 of the 10,055 contacts match
CALL emu_clear();
SELECT count(*), min(hs_object_id), max(hs_object_id)
  FROM sc.contacts WHERE hs_object_id > 1005;
SELECT method, count(*) AS requests FROM emu_requests GROUP BY 1 ORDER BY 1 DESC;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM sc.contacts WHERE hs_object_id > 1005;

-- fewer matches are read through search alone
CALL emu_clear();
SELECT id, email FROM sc.contacts
 WHERE firstname = 'Bulk' AND lastname IN ('L1', 'L2', 'L10050', 'L10051') ORDER BY id;
SELECT method, path, body->'filterGroups' AS filters, status FROM emu_requests ORDER BY seq;

-- 10,000 exactly is still search: 50 pages of 200
SELECT doc->>'created' AS created
  FROM emu('bulk', '{"type": "partner_clients", "count": 9700, "properties": {"hs_name": "Bulk client {n}", "hs_score": "{n}"}}') doc;
CALL emu_clear();
SELECT count(*) FROM sc.partner_clients WHERE hs_score IS NOT NULL AND hs_score >= 0;
SELECT count(*) FILTER (WHERE path LIKE '%/search') AS searches,
       count(*) FILTER (WHERE method = 'GET') AS list_pages,
       min((body->>'after')::int) AS first_after, max((body->>'after')::int) AS last_after,
       count(DISTINCT body->>'after') AS distinct_cursors FROM emu_requests;

-- a sorted search past the cap: the list, filtered and sorted locally
SELECT doc->>'created' AS created
  FROM emu('bulk', '{"type": "partner_clients", "count": 1, "properties": {"hs_name": "Last", "hs_score": "-5"}}') doc;
CALL emu_clear();
SELECT hs_name, hs_score FROM sc.partner_clients ORDER BY hs_score LIMIT 1;
SELECT hs_name, hs_score FROM sc.partner_clients ORDER BY hs_score DESC LIMIT 3;
SELECT method, path, count(*) AS requests FROM emu_requests GROUP BY 1, 2 ORDER BY 1, 2;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM sc.partner_clients WHERE hs_score > 90 ORDER BY hs_score, id) x)
     = (SELECT array_agg(id) FROM (SELECT id FROM lc.partner_clients WHERE hs_score > 90 ORDER BY hs_score, id) x)
  AS same_rows_in_order;
