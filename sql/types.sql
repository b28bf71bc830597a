--
-- Typed values both ways: what HubSpot receives and what SQL reads back,
-- under a DateStyle, TimeZone (UTC+05:45) and extra_float_digits that are
-- not the defaults. HubSpot's formats never depend on them.
--
CALL emu_reset();
CREATE SCHEMA hs;
IMPORT FOREIGN SCHEMA crm FROM SERVER hubspot INTO hs;
SET datestyle = 'SQL, DMY';
SET timezone = 'Asia/Kathmandu';
SET extra_float_digits = 3;

-- reading: HubSpot's strings, and the typed values they become
SELECT r.id, p.key, p.value
  FROM (VALUES ('501'), ('502')) r(id), jsonb_each(emu_object('partner_clients/' || r.id)->'properties') p
 WHERE p.key IN ('hs_score', 'hs_active', 'hs_signup_date', 'hs_last_review', 'hs_regions')
 ORDER BY 1, 2;
SELECT id, hs_score, hs_active, hs_signup_date, hs_last_review, hs_regions
  FROM hs.partner_clients WHERE id IN ('501', '502') ORDER BY id;
SELECT id, hs_signup_date = date '2024-05-16' + (id::int - 501) AS signup_ok,
       hs_last_review = timestamptz '2024-03-01 12:34:56.789+00' AS review_ok,
       extract(epoch FROM hs_last_review) AS review_epoch,
       hs_regions = CASE id WHEN '501' THEN ARRAY['emea'] ELSE ARRAY['emea', 'apac'] END AS regions_ok
  FROM hs.partner_clients WHERE id IN ('501', '502') ORDER BY id;

-- writing: number, bool and date as HubSpot spells them
CALL emu_clear();
UPDATE hs.partner_clients SET hs_score = 42.5, hs_active = false, hs_signup_date = '2024-03-01'
 WHERE id = '512';
SELECT method, path, body FROM emu_requests ORDER BY seq;
SELECT hs_score, hs_active, hs_signup_date FROM hs.partner_clients WHERE id = '512';
-- the session's DateStyle reads SQL input (01/03 is 1 March in DMY), nothing more
CALL emu_clear();
UPDATE hs.partner_clients SET hs_signup_date = '01/03/2024', hs_active = true WHERE id = '513';
SELECT body FROM emu_requests ORDER BY seq;

-- date-times: ISO 8601 in UTC with milliseconds, whatever TimeZone says
CALL emu_clear();
UPDATE hs.partner_clients SET hs_last_review = '2024-03-10 01:30:00.123456' WHERE id = '513';
UPDATE hs.partner_clients SET hs_last_review = '2024-07-04 12:00:00+02' WHERE id = '514';
SELECT body FROM emu_requests ORDER BY seq;
SELECT id, hs_last_review, hs_last_review AT TIME ZONE 'UTC' AS utc
  FROM hs.partner_clients WHERE id IN ('513', '514') ORDER BY id;

-- multiple checkboxes: text[] <-> "a;b"; an empty array clears, as NULL does
CALL emu_clear();
UPDATE hs.partner_clients SET hs_regions = ARRAY['apac', 'latam'] WHERE id = '515';
UPDATE hs.partner_clients SET hs_regions = '{}' WHERE id = '516';
SELECT body FROM emu_requests ORDER BY seq;
SELECT id, hs_regions FROM hs.partner_clients WHERE id IN ('515', '516') ORDER BY id;

-- NULL clears every type of property (HubSpot takes "")
CALL emu_clear();
UPDATE hs.partner_clients
   SET hs_score = NULL, hs_active = NULL, hs_signup_date = NULL, hs_last_review = NULL, hs_regions = NULL
 WHERE id = '518';
SELECT body FROM emu_requests ORDER BY seq;
SELECT hs_score IS NULL AS score, hs_active IS NULL AS active, hs_signup_date IS NULL AS signup,
       hs_last_review IS NULL AS review, hs_regions IS NULL AS regions
  FROM hs.partner_clients WHERE id = '518';

-- numeric: plain decimal, exact, never an exponent
CALL emu_clear();
UPDATE hs.partner_clients SET hs_score = 12345678901234567890.123456789 WHERE id = '519';
UPDATE hs.partner_clients SET hs_score = -0.000001 WHERE id = '520';
UPDATE hs.partner_clients SET hs_score = 1e20 WHERE id = '521';
SELECT path, body->'properties'->>'hs_score' AS sent FROM emu_requests ORDER BY seq;
SELECT id, hs_score FROM hs.partner_clients WHERE id IN ('519', '520', '521') ORDER BY id;

-- parameters and batches use the same formats
CALL emu_clear();
PREPARE upd(numeric, date) AS
  UPDATE hs.partner_clients SET hs_score = $1, hs_signup_date = $2 WHERE id = '530';
EXECUTE upd(1.5, '02/01/2024');
DEALLOCATE upd;
UPDATE hs.partner_clients SET hs_signup_date = hs_signup_date + 1, hs_active = NOT hs_active
 WHERE id IN ('531', '532') AND hs_score IS NOT NULL;
SELECT method, path, body FROM emu_requests WHERE method <> 'POST' OR path LIKE '%update' ORDER BY seq;
SELECT id, hs_signup_date, hs_active FROM hs.partner_clients WHERE id IN ('530', '531', '532') ORDER BY id;

-- RETURNING reads HubSpot's answer back as typed values
UPDATE hs.partner_clients SET hs_score = 7.25, hs_last_review = '2025-01-01 00:00:00+00'
 WHERE id = '533' RETURNING hs_score, hs_active, hs_signup_date, hs_last_review, hs_regions;

-- values HubSpot cannot take fail before anything is sent, naming the column
CALL emu_clear();
\set VERBOSITY default
UPDATE hs.partner_clients SET hs_score = 'NaN' WHERE id = '512';
UPDATE hs.partner_clients SET hs_score = 'Infinity' WHERE hs_name = 'Client 512';
UPDATE hs.partner_clients SET hs_signup_date = 'infinity' WHERE id = '512';
UPDATE hs.partner_clients SET hs_last_review = '10000-01-01 00:00:00+00' WHERE id = '512';
UPDATE hs.partner_clients SET hs_regions = ARRAY['emea', 'apac;amer'] WHERE id = '512';
UPDATE hs.partner_clients SET hs_regions = ARRAY['emea', NULL] WHERE id = '512';
UPDATE hs.partner_clients SET hs_regions = ARRAY['emea', ''] WHERE id = '512';
UPDATE hs.partner_clients SET hs_regions = '{{emea},{apac}}' WHERE id = '512';
SELECT count(*) FILTER (WHERE method <> 'GET') AS writes FROM emu_requests;

-- columns declared by hand: the column's type decides the format
CREATE DOMAIN positive_score AS numeric CHECK (VALUE > 0);
CREATE FOREIGN TABLE pc_typed (
  id text,
  score float8 OPTIONS (property 'hs_score'),
  score4 real OPTIONS (property 'hs_score'),
  score_int integer OPTIONS (property 'hs_score'),
  score_pos positive_score OPTIONS (property 'hs_score'),
  active boolean OPTIONS (property 'hs_active'),
  signup date OPTIONS (property 'hs_signup_date'),
  signup_ts timestamptz OPTIONS (property 'hs_signup_date', hubspot_type 'date'),
  review timestamp OPTIONS (property 'hs_last_review'),
  review_day date OPTIONS (property 'hs_last_review'),
  regions varchar(10)[] OPTIONS (property 'hs_regions')
) SERVER hubspot OPTIONS (object_type 'partner_clients');
-- floats: the shortest exact decimal, whatever extra_float_digits is
CALL emu_clear();
UPDATE pc_typed SET score = 0.1 WHERE id = '540';
UPDATE pc_typed SET score = 1.0 / 3 WHERE id = '541';
UPDATE pc_typed SET score = 1e20 WHERE id = '542';
UPDATE pc_typed SET score = -1.5e-7 WHERE id = '543';
UPDATE pc_typed SET score4 = 0.1 WHERE id = '544';
SET extra_float_digits = -15;
UPDATE pc_typed SET score = 1.0 / 3 WHERE id = '545';
SET extra_float_digits = 0;
UPDATE pc_typed SET score = '-0' WHERE id = '546';
SET extra_float_digits = 3;
SELECT path, body->'properties'->>'hs_score' AS sent FROM emu_requests ORDER BY seq;
SELECT id, score, score = 1.0 / 3 AS exact_third FROM pc_typed WHERE id IN ('541', '545') ORDER BY id;
UPDATE pc_typed SET score = 'NaN' WHERE id = '540';
UPDATE pc_typed SET score4 = '-Infinity' WHERE id = '540';
-- timestamp without time zone is taken as UTC; a date column on a
-- date-time property sends midnight UTC in epoch milliseconds
CALL emu_clear();
UPDATE pc_typed SET review = '2024-03-10 01:30:00' WHERE id = '550';
UPDATE pc_typed SET review_day = '2024-05-01' WHERE id = '551';
SELECT path, body FROM emu_requests ORDER BY seq;
SELECT id, review, review_day FROM pc_typed WHERE id IN ('550', '551', '552') ORDER BY id;
-- hubspot_type 'date': a timestamp must be midnight UTC and goes as epoch ms
CALL emu_clear();
UPDATE pc_typed SET signup_ts = '2024-03-01 00:00:00+00' WHERE id = '553';
UPDATE pc_typed SET signup_ts = '2024-03-01 10:00:00+00' WHERE id = '553';
-- (midnight in Kathmandu is 18:15 UTC the day before)
UPDATE pc_typed SET signup_ts = '2024-03-01' WHERE id = '553';
SELECT path, body FROM emu_requests ORDER BY seq;
SELECT signup, signup_ts FROM pc_typed WHERE id = '553';
-- arrays of other element types; the element typmod applies
CALL emu_clear();
UPDATE pc_typed SET regions = '{amer,latam}' WHERE id = '554';
SELECT body FROM emu_requests ORDER BY seq;
SELECT regions, pg_typeof(regions) FROM pc_typed WHERE id = '554';
-- a value the column's type cannot hold names the column and the record
SELECT * FROM try($$SELECT score_int FROM pc_typed WHERE id = '512'$$);
SELECT * FROM try($$SELECT score_pos FROM pc_typed WHERE id = '600'$$);
SELECT score_int, score_pos FROM pc_typed WHERE id = '601';

-- malformed values from HubSpot name the column and the record
\x on
CALL emu_faults('{"fail_next": [
  {"status": 200, "match": {"method": "GET"}, "body": {"id": "512", "properties": {"hs_signup_date": "yesterday"}}},
  {"status": 200, "match": {"method": "GET"}, "body": {"id": "512", "properties": {"hs_active": "yes"}}},
  {"status": 200, "match": {"method": "GET"}, "body": {"id": "512", "properties": {"hs_last_review": "2024-13-01T00:00:00Z"}}},
  {"status": 200, "match": {"method": "GET"}, "body": {"id": "512", "properties": {"hs_score": "12,5"}}},
  {"status": 200, "match": {"method": "GET"}, "body": {"id": "512", "properties": {"hs_signup_date": "999999999999999999"}}}]}');
SELECT * FROM try($$SELECT hs_signup_date FROM hs.partner_clients WHERE id = '512'$$);
SELECT * FROM try($$SELECT hs_active FROM hs.partner_clients WHERE id = '512'$$);
SELECT * FROM try($$SELECT hs_last_review FROM hs.partner_clients WHERE id = '512'$$);
SELECT * FROM try($$SELECT hs_score FROM hs.partner_clients WHERE id = '512'$$);
SELECT * FROM try($$SELECT hs_signup_date FROM hs.partner_clients WHERE id = '512'$$);
\x off
-- other spellings HubSpot may use are read too: epoch ms for date-times,
-- ISO 8601 for dates, offsets, any case for booleans; "" is NULL except for text
CALL emu_faults('{"fail_next": [
  {"status": 200, "match": {"method": "GET"}, "body": {"id": "512", "properties": {
    "hs_last_review": "1709251200000", "hs_signup_date": "2024-03-01", "hs_active": "TRUE",
    "hs_score": "", "hs_name": "", "hs_regions": ";emea;;apac;"}}},
  {"status": 200, "match": {"method": "GET"}, "body": {"id": "513", "properties": {
    "hs_last_review": "2024-03-01T23:30:00-05:30", "hs_signup_date": "2024-03-01T23:59:59.999Z",
    "hs_active": "false", "hs_score": "1.5E3", "hs_name": "x", "hs_regions": ""}}}]}');
SELECT hs_last_review AT TIME ZONE 'UTC' AS review_utc, hs_signup_date, hs_active,
       hs_score IS NULL AS score_null, hs_name = '' AS name_empty, hs_regions
  FROM hs.partner_clients WHERE id = '512';
SELECT hs_last_review AT TIME ZONE 'UTC' AS review_utc, hs_signup_date, hs_active,
       hs_score, hs_regions IS NULL AS regions_null
  FROM hs.partner_clients WHERE id = '513';
CALL emu_faults('{}');

RESET datestyle;
RESET timezone;
RESET extra_float_digits;
SET client_min_messages = warning;
DROP SCHEMA hs CASCADE;
DROP FOREIGN TABLE pc_typed;
DROP DOMAIN positive_score;
RESET client_min_messages;
