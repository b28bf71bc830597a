--
-- Search pushdown: conditions on typed columns become POST .../search
-- filters; every pushed query returns exactly what a local filter returns.
--
CALL emu_reset();
-- s: imported tables (columns know their HubSpot type); l: the same, read
-- from the list endpoint only, as the local reference
CREATE SCHEMA s;
IMPORT FOREIGN SCHEMA crm LIMIT TO (partner_clients, partner_services, contacts)
  FROM SERVER hubspot INTO s;
CREATE SCHEMA l;
IMPORT FOREIGN SCHEMA crm LIMIT TO (partner_clients, partner_services, contacts)
  FROM SERVER hubspot INTO l OPTIONS (import_read_only 'false');
ALTER FOREIGN TABLE l.partner_clients OPTIONS (ADD use_search 'false');
ALTER FOREIGN TABLE l.partner_services OPTIONS (ADD use_search 'false');
ALTER FOREIGN TABLE l.contacts OPTIONS (ADD use_search 'false');

-- values that tell HubSpot's semantics from PostgreSQL's: records without a
-- score, and names that differ only in case
UPDATE l.partner_clients SET hs_score = NULL WHERE id IN ('502', '503');
UPDATE l.partner_clients SET hs_name = 'Mixed Case' WHERE id = '505';
UPDATE l.partner_clients SET hs_name = 'MIXED CASE' WHERE id = '506';
UPDATE l.partner_clients SET hs_name = NULL WHERE id = '507';

-- Run a query on s.partner_clients and on l.partner_clients with condition
-- "cond": how many rows, whether both return the same ids, and the requests
-- the search side sent (its filterGroups, sorts and limit).
CREATE FUNCTION pushed(cond text, tbl text DEFAULT 'partner_clients',
                       OUT matches bigint, OUT same boolean, OUT requests text,
                       OUT search jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  a text[];
  b text[];
BEGIN
  CALL emu_clear();
  EXECUTE format('SELECT array_agg(id ORDER BY id) FROM s.%I WHERE %s', tbl, cond) INTO a;
  SELECT string_agg(method || ' ' || regexp_replace(path, '^/crm/v3/objects/[^/]+', ''), ', ' ORDER BY seq),
         (SELECT jsonb_agg(body - 'properties' ORDER BY seq) FROM emu_requests WHERE path LIKE '%/search')
    INTO requests, search FROM emu_requests;
  EXECUTE format('SELECT array_agg(id ORDER BY id) FROM l.%I WHERE %s', tbl, cond) INTO b;
  matches := coalesce(array_length(a, 1), 0);
  same := a IS NOT DISTINCT FROM b;
END $$;

-- numbers: every comparison; HubSpot's NEQ and NOT_IN also match records
-- without a value, so those are checked again locally
SELECT * FROM pushed('hs_score = 42');
SELECT * FROM pushed('hs_score < 2');
SELECT * FROM pushed('hs_score <= 1');
SELECT * FROM pushed('hs_score > 98');
SELECT * FROM pushed('99 <= hs_score');
SELECT * FROM pushed('hs_score <> 97 AND hs_score > 95');
SELECT * FROM pushed('hs_score IN (1, 2)');
SELECT * FROM pushed('hs_score NOT IN (97, 98) AND hs_score > 95');
SELECT * FROM pushed('hs_score IS NULL');
SELECT * FROM pushed('hs_score IS NOT NULL AND hs_score < 2');
-- the planner reads the list when search would not be cheaper: a condition
-- most records meet would need as many (slower) search requests
SELECT * FROM pushed('hs_score <> 50');
-- text: = and IN, checked again (HubSpot ignores case for strings, not for
-- enumerations); <> and ranges stay local
SELECT * FROM pushed($$hs_name = 'Mixed Case'$$);
SELECT * FROM pushed($$hs_tier IN ('silver', 'bronze')$$);
-- enumerations: HubSpot matches their values case-sensitively; the sent
-- lower-case forms may find more, and PostgreSQL's answer is kept
SELECT * FROM pushed($$hs_tier = 'Gold'$$);
SELECT * FROM pushed($$hs_tier IN ('Gold', 'silver')$$);
-- HubSpot's IN on a string property matches lower-case values only: each
-- value goes with its lower-case form, and PostgreSQL checks case again
SELECT * FROM pushed($$hs_name IN ('Mixed Case', 'Client 510', 'client 511')$$);
SELECT * FROM pushed($$hs_name <> 'Mixed Case'$$);
SELECT * FROM pushed($$hs_name > 'Client 799'$$);
-- text IS NULL also finds '' (HubSpot has no empty value): checked again;
-- IS NOT NULL would miss '' and stays local
SELECT * FROM pushed('hs_name IS NULL');
SELECT * FROM pushed($$hs_name = ''$$);
SELECT * FROM pushed('hs_name IS NOT NULL');
-- booleans
SELECT * FROM pushed('hs_active');
SELECT * FROM pushed('NOT hs_active');
SELECT * FROM pushed('hs_active <> true');
-- a boolean column on an enumeration property (a booleancheckbox)
SELECT * FROM pushed('hs_preferred', 'partner_services');
SELECT * FROM pushed('NOT hs_preferred AND hs_price < 11', 'partner_services');
-- phone numbers are text
SELECT * FROM pushed($$hs_phone = '+1 555 3001'$$, 'partner_services');
-- dates are epoch milliseconds at midnight UTC
SELECT * FROM pushed($$hs_signup_date = '2024-12-30'$$);
SELECT * FROM pushed($$hs_signup_date > '2024-12-29'$$);
-- date-times are epoch milliseconds; a finer value is cut to the
-- millisecond, so < and > become <= and >= and everything is checked again
SELECT * FROM pushed($$hs_last_review > '2024-03-01 17:32:56.789+00'$$);
SELECT * FROM pushed($$hs_last_review < '2024-03-01 12:38:56.7891+00'$$);
SELECT * FROM pushed($$hs_last_review = '2024-03-01 12:36:56.789+00'$$);
-- AND, OR and their mixes become filterGroups (ORed) of filters (ANDed)
SELECT * FROM pushed($$hs_score > 95 AND hs_country = 'DE'$$);
SELECT * FROM pushed($$hs_score = 1 OR hs_tier = 'silver'$$);
SELECT * FROM pushed($$(hs_score = 1 AND hs_active) OR hs_signup_date = '2024-01-02'$$);
SELECT * FROM pushed($$(hs_score = 1 OR hs_score = 2) AND (hs_country = 'US' OR hs_country = 'DE')$$);
-- a condition that cannot be pushed stays local; the rest is still pushed
SELECT * FROM pushed($$hs_score > 90 AND hs_name LIKE '%9'$$);
SELECT * FROM pushed($$hs_score > 90 OR hs_name LIKE '%9'$$);
-- HubSpot's search guide allows 5 filterGroups: five OR branches are sent,
-- a sixth keeps that OR local (the list is read and filtered, or search
-- answers the other conditions and the OR is checked on its rows)
SELECT * FROM pushed('hs_score = 1 OR hs_score = 2 OR hs_score = 3 OR hs_score = 4 OR hs_score = 5');
SELECT * FROM pushed('hs_score = 1 OR hs_score = 2 OR hs_score = 3 OR hs_score = 4 OR hs_score = 5 OR hs_score IS NULL');
SELECT * FROM pushed($$(hs_score = 1 OR hs_score = 2 OR hs_score = 3 OR hs_score = 4 OR hs_score = 5 OR hs_score IS NULL) AND hs_country = 'DE'$$);
SELECT * FROM pushed('hs_score IN (1) OR hs_score = 2 OR hs_score = 3 OR hs_score = 4 OR hs_score = 5 OR hs_score = 6 OR hs_score = 7');
SELECT * FROM pushed('(hs_score = 1 OR hs_score = 2 OR hs_score = 3) AND (hs_active OR NOT hs_active) AND hs_score < 50');
-- values HubSpot cannot compare: NaN reads the list instead; NULL and an
-- empty IN match nothing, and nothing is sent
SELECT * FROM pushed($$hs_score < 'NaN'$$);
SELECT explain_analyze($$SELECT id FROM s.partner_clients WHERE hs_score < 'NaN'$$);
SELECT * FROM pushed('hs_score = NULL::numeric');
SELECT * FROM pushed($$hs_score = ANY ('{}')$$);
SELECT * FROM pushed($$hs_score <> ALL ('{}') AND hs_score > 98$$);
SELECT * FROM pushed('hs_score NOT IN (1, NULL)');
-- contacts
SELECT * FROM pushed($$email IN ('contact1001@example.com', 'CONTACT1002@example.com')$$, 'contacts');

-- what EXPLAIN shows: the request, the filters with their values, what is
-- checked again (Filter), the fallback and the estimate behind the choice
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT id, hs_name FROM s.partner_clients WHERE hs_score > 95 AND hs_tier IN ('gold', 'silver');
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT id FROM s.partner_clients WHERE (hs_score = 1 AND hs_active) OR hs_signup_date = '2024-01-02';
-- the values of an IN on text, with their lower-case forms
EXPLAIN (VERBOSE, COSTS OFF)
  SELECT id FROM s.partner_clients WHERE hs_name IN ('Mixed Case', 'client 511') AND hs_score > 10;
-- without hubspot_type a column's property type is unknown: nothing is pushed
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM partner_clients WHERE tier = 'gold';
-- use_search 'false' turns search off
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM l.partner_clients WHERE hs_score = 1;

-- parameters are sent as values; a generic plan shows where they come from
PREPARE by_score(numeric) AS SELECT id FROM s.partner_clients WHERE hs_score = $1 ORDER BY id;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_score(7);
CALL emu_clear();
EXECUTE by_score(7);
EXECUTE by_score(NULL);
SELECT method, path, body->'filterGroups' AS filters FROM emu_requests ORDER BY seq;
RESET plan_cache_mode;
DEALLOCATE by_score;

-- a correlated value: each rescan searches again with the new value
CALL emu_clear();
SELECT v.score, (SELECT count(*) FROM s.partner_clients p WHERE p.hs_score = v.score) AS n
  FROM (VALUES (3), (4)) v(score) ORDER BY 1;
SELECT method, path, body->'filterGroups'->0->'filters'->0->>'value' AS value FROM emu_requests ORDER BY seq;

-- use_search is a boolean
ALTER FOREIGN TABLE l.partner_clients OPTIONS (SET use_search 'maybe');

-- ORDER BY one number, date or date-time column, and LIMIT: HubSpot sorts,
-- and the page is no bigger than the LIMIT. Records without a value come
-- from a second search (NOT_HAS_PROPERTY), where PostgreSQL puts NULLs.
CALL emu_clear();
SELECT id, hs_score FROM s.partner_clients ORDER BY hs_score LIMIT 4;
SELECT body - 'properties' AS search FROM emu_requests ORDER BY seq;
CALL emu_clear();
SELECT id, hs_score FROM s.partner_clients ORDER BY hs_score DESC LIMIT 4;
SELECT body - 'properties' AS search FROM emu_requests ORDER BY seq;
CALL emu_clear();
SELECT id, hs_score FROM s.partner_clients ORDER BY hs_score NULLS FIRST LIMIT 3;
SELECT body - 'properties' AS search FROM emu_requests ORDER BY seq;
-- a condition that excludes NULLs needs no second search
CALL emu_clear();
SELECT id, hs_signup_date FROM s.partner_clients WHERE hs_signup_date < '2024-01-05'
 ORDER BY hs_signup_date DESC LIMIT 3;
SELECT body - 'properties' AS search FROM emu_requests ORDER BY seq;
CALL emu_clear();
SELECT id, hs_score FROM s.partner_clients ORDER BY hs_score DESC NULLS LAST LIMIT 3;
SELECT body - 'properties' AS search FROM emu_requests ORDER BY seq;
-- every ORDER BY direction and NULLS placement gives PostgreSQL's order:
-- the scores (NULLs included) in the order a local sort gives, and the
-- searches sent (direction, or unsorted for records without a value)
CREATE FUNCTION sorted(order_by text, OUT same_order boolean, OUT rows int,
                       OUT searches text)
LANGUAGE plpgsql AS $$
DECLARE
  a numeric[];
  b numeric[];
BEGIN
  CALL emu_clear();
  EXECUTE format('SELECT array_agg(hs_score) FROM (SELECT hs_score FROM s.partner_clients
                   WHERE hs_score < 2 OR hs_score > 98 OR hs_score IS NULL ORDER BY %s) x', order_by)
    INTO a;
  SELECT string_agg(coalesce(body->'sorts'->0->>'direction', 'unsorted'), ', ' ORDER BY seq)
    INTO searches FROM emu_requests WHERE path LIKE '%/search';
  EXECUTE format('SELECT array_agg(hs_score) FROM (SELECT hs_score FROM l.partner_clients
                   WHERE hs_score < 2 OR hs_score > 98 OR hs_score IS NULL ORDER BY %s) x', order_by)
    INTO b;
  same_order := a IS NOT DISTINCT FROM b;
  rows := cardinality(a);
END $$;
-- (without LIMIT the planner sorts locally, with it HubSpot sorts)
SELECT o AS order_by, s.* FROM unnest(ARRAY['hs_score', 'hs_score DESC', 'hs_score NULLS FIRST',
                                            'hs_score DESC NULLS LAST']) o, sorted(o) s;
SELECT o AS order_by, s.* FROM unnest(ARRAY['hs_score', 'hs_score DESC', 'hs_score NULLS FIRST',
                                            'hs_score DESC NULLS LAST']) o, sorted(o || ' LIMIT 100') s;
-- sorted output equals a local sort, LIMIT or not
SELECT (SELECT array_agg(hs_score) FROM (SELECT hs_score FROM s.partner_clients WHERE hs_score < 5 ORDER BY hs_score DESC) x)
     = (SELECT array_agg(hs_score) FROM (SELECT hs_score FROM l.partner_clients WHERE hs_score < 5 ORDER BY hs_score DESC) x)
  AS same_order;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM s.partner_clients ORDER BY hs_score DESC LIMIT 4;
-- text is not sorted by HubSpot (it ignores case): PostgreSQL sorts
EXPLAIN (COSTS OFF) SELECT id FROM s.partner_clients WHERE hs_score = 1 ORDER BY hs_name LIMIT 4;

-- Search lag: search is used only by statements that only read. UPDATE,
-- DELETE and INSERT ... SELECT read the list endpoint, which sees every
-- write. Here search sees nothing written after the emulator froze it.
CALL emu_faults('{"search_stale": true}');
CALL emu_clear();
UPDATE s.partner_clients SET hs_name = 'Lagged' WHERE hs_score = 7;
UPDATE s.partner_clients SET hs_country = 'NL' WHERE hs_name = 'Lagged';
UPDATE s.partner_clients SET hs_country = 'BE'
 WHERE id IN (SELECT id FROM s.partner_clients WHERE hs_name = 'Lagged');
WITH u AS (UPDATE s.partner_clients SET hs_tier = 'bronze' WHERE hs_name = 'Lagged' RETURNING id)
SELECT count(*) FROM u, s.partner_clients p WHERE p.id = u.id AND p.hs_name = 'Lagged';
SELECT count(*) FILTER (WHERE path LIKE '%/search') AS searches,
       count(*) FILTER (WHERE path LIKE '%/batch/update') AS batch_updates FROM emu_requests;
SELECT id, hs_name, hs_country, hs_tier FROM l.partner_clients WHERE hs_name = 'Lagged' ORDER BY id;
-- a SELECT does search, and does not see the writes yet
SELECT count(*) AS found_by_search FROM s.partner_clients WHERE hs_name = 'Lagged';
-- INSERT ... SELECT and DELETE read the list too: they see the records
-- written a moment ago, which search does not
CALL emu_clear();
UPDATE s.contacts SET lastname = 'Lagged' WHERE id IN ('1004', '1005');
INSERT INTO s.contacts (email, firstname, lastname)
  SELECT 'copy-' || email, firstname, 'Copy' FROM s.contacts WHERE lastname = 'Lagged';
DELETE FROM s.contacts WHERE lastname = 'Copy';
SELECT count(*) FILTER (WHERE path LIKE '%/search') AS searches,
       sum(jsonb_array_length(body->'inputs')) FILTER (WHERE path LIKE '%/batch/create') AS created,
       sum(jsonb_array_length(body->'inputs')) FILTER (WHERE path LIKE '%/batch/archive') AS archived
  FROM emu_requests;
SELECT count(*) AS copies_left FROM l.contacts WHERE lastname = 'Copy';
CALL emu_faults('{}');
SELECT count(*) AS found_later FROM s.partner_clients WHERE hs_name = 'Lagged';

-- EXPLAIN ANALYZE: the requests sent and their retries
CALL emu_faults('{"fail_next": [{"status": 503, "match": {"path_contains": "/search"}}]}');
SELECT explain_analyze($$SELECT id FROM s.partner_clients WHERE hs_score = 42$$, true);
CALL emu_faults('{}');
