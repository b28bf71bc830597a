--
-- Hostile answers: what a broken or hostile HubSpot stand-in can send, and
-- what it must not achieve (README, "Limits on HubSpot's answers").
--
CALL emu_reset();

-- The backend's peak memory so far, in MB (VmHWM).
CREATE FUNCTION backend_peak_mb() RETURNS int LANGUAGE sql AS $$
  SELECT ((regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                        'VmHWM:\s+(\d+) kB'))[1]::bigint / 1024)::int $$;

-- 1. Memory. A 4 MB list page of empty objects would take json-c about
-- 1.1 GB; it is refused before parsing (54000), once, without a retry, and
-- the backend's peak memory stays far below 150 MB.
CALL emu_faults('{"raw_repeat_once": {"prefix": "{\"results\":[", "item": "{}", "separator": ",",
                  "count": 1398101, "suffix": "]}",
                  "match": {"path": "/crm/v3/objects/partner_clients"}}}');
SELECT sqlstate, message, regexp_replace(detail, 'correlationId: .*', 'correlationId: …') AS detail, context
  FROM try('SELECT count(*) FROM partner_clients');
SELECT method, path, status FROM emu_requests ORDER BY seq;
SELECT backend_peak_mb() < 150 AS peak_under_150_mb;

-- 8 MB of empty arrays, and 4 MB of small numbers: refused too
CALL emu_faults('{"raw_repeat_once": {"prefix": "{\"results\":[], \"x\":[", "item": "[]", "separator": ",",
                  "count": 2796202, "suffix": "]}",
                  "match": {"path": "/crm/v3/objects/partner_clients"}}}');
SELECT sqlstate FROM try('SELECT count(*) FROM partner_clients');
CALL emu_faults('{"raw_repeat_once": {"prefix": "{\"results\":[], \"x\":[", "item": "1", "separator": ",",
                  "count": 2097152, "suffix": "]}",
                  "match": {"path": "/crm/v3/objects/partner_clients"}}}');
SELECT sqlstate FROM try('SELECT count(*) FROM partner_clients');
SELECT backend_peak_mb() < 150 AS peak_under_150_mb;
-- json-c's lenient syntax is no way around the checks: a million objects
-- between single quotes, which are not JSON, are refused like any others
CALL emu_faults('{"raw_repeat_once": {"prefix": "{\"results\":[], \"x\":[''\"'',", "item": "{}", "separator": ",",
                  "count": 1398101, "suffix": ",''\"'']}",
                  "match": {"path": "/crm/v3/objects/partner_clients"}}}');
SELECT sqlstate, message FROM try('SELECT count(*) FROM partner_clients');
SELECT backend_peak_mb() < 150 AS peak_under_150_mb;

-- error bodies get the same check: the error is reported without HubSpot's fields
CALL emu_faults('{"raw_repeat_once": {"status": 400, "prefix": "{\"message\":\"m\",\"x\":[", "item": "{}", "separator": ",",
                  "count": 1398101, "suffix": "]}",
                  "match": {"path": "/crm/v3/objects/partner_clients"}}}');
SELECT sqlstate, message, regexp_replace(detail, 'correlationId: .*', 'correlationId: …') AS detail
  FROM try('SELECT count(*) FROM partner_clients');
SELECT backend_peak_mb() < 150 AS peak_under_150_mb;

-- A wide page still works: 100 records of 400 properties each (about 1 MB),
-- and a page of 10,000 small records.
CREATE FOREIGN TABLE wide (id text, p1 text, p400 text)
  SERVER hubspot OPTIONS (object_type 'partner_clients');
SELECT format('{"raw_repeat_once": {"prefix": "{\"results\":[", "item": %s, "separator": ",", "count": 100, "suffix": "]}", "match": {"path": "/crm/v3/objects/partner_clients"}}}',
              to_json('{"id":"512","properties":{' ||
                      string_agg(format('"p%s":"value of property number %s"', i, i), ',') ||
                      '},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z","archived":false}'))
  AS cfg FROM generate_series(1, 400) i \gset
CALL emu_faults(:'cfg');
SELECT count(*), min(p1), max(p400), sum(length(p400)) FROM wide;
CALL emu_faults('{"raw_repeat_once": {"prefix": "{\"results\":[", "item": "{\"id\":\"7\",\"properties\":{\"hs_name\":\"n\"}}", "separator": ",",
                  "count": 10000, "suffix": "]}",
                  "match": {"path": "/crm/v3/objects/partner_clients"}}}');
SELECT count(*), min(hs_name) FROM partner_clients;
SELECT backend_peak_mb() < 150 AS peak_under_150_mb;

-- 6. \u0000 in an answer is an error (22P05, as for PostgreSQL's own JSON):
-- in a value, in an id, in a property name. Nothing is written.
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "{\"results\":[{\"id\":\"502\",\"properties\":{\"hs_name\":\"abc\\u0000def\"}}]}"}]}');
SELECT sqlstate, message FROM try('SELECT id, hs_name FROM partner_clients');
CALL emu_reset();
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "{\"results\":[{\"id\":\"502\",\"properties\":{\"hs_name\":\"abc\\u0000def\"}}]}"}]}');
SELECT sqlstate, message FROM try($$UPDATE partner_clients SET hs_name = hs_name || 'x' WHERE hs_country <> 'zz'$$);
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "{\"results\":[{\"id\":\"502\\u0000evil\",\"properties\":{\"hs_name\":\"n\"}}]}"}]}');
SELECT sqlstate, message FROM try($$UPDATE partner_clients SET hs_name = 'x' WHERE hs_country <> 'zz'$$);
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients/502"},
                  "raw": "{\"id\":\"502\",\"properties\":{\"hs_name\":\"a\\u0000\"}}"}]}');
SELECT sqlstate, message FROM try($$SELECT * FROM partner_clients WHERE id = '502'$$);
-- an escaped backslash before u0000 is no NUL
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients/502"},
                  "raw": "{\"id\":\"502\",\"properties\":{\"hs_name\":\"a\\\\u0000\"}}"}]}');
SELECT id, hs_name FROM partner_clients WHERE id = '502';
-- a record with an empty id is no record (it would address the list)
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "{\"results\":[{\"id\":\"\",\"properties\":{\"hs_name\":\"n\"}}]}"}]}');
SELECT sqlstate, message FROM try('SELECT id, hs_name FROM partner_clients');
-- nor can a \u0000 hide in single quotes or behind a comment: not JSON
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "{\"results\":[{''id'':''502\\u0000evil'',''properties'':{''hs_name'':''abc\\u0000def''}}]}"},
                 {"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "/*\"*/{\"results\":[{\"id\":\"502\\u0000evil\",\"properties\":{}}]}"}]}');
SELECT sqlstate, message FROM try('SELECT id, hs_name FROM partner_clients');
SELECT sqlstate, message FROM try('SELECT id, hs_name FROM partner_clients');
SELECT method, path, status FROM emu_requests ORDER BY seq;
SELECT emu_object('partner_clients/502')->'properties'->>'hs_name' AS stored_name;
CREATE SCHEMA nul_import;
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/properties/partner_clients"},
                  "raw": "{\"results\":[{\"name\":\"hs_name\\u0000x\",\"type\":\"string\"}]}"}]}');
SELECT sqlstate, message FROM try('IMPORT FOREIGN SCHEMA crm LIMIT TO (partner_clients) FROM SERVER hubspot INTO nul_import');
SELECT count(*) AS tables FROM pg_class WHERE relnamespace = 'nul_import'::regnamespace;

-- 14. Integers beyond 64 bits read exactly as sent, in text and numeric
-- columns, and as ids.
CREATE FOREIGN TABLE bignum (id text, hs_name text, hs_score numeric, hs_country text)
  SERVER hubspot OPTIONS (object_type 'partner_clients');
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "{\"results\":[{\"id\":123456789012345678901234567890,\"properties\":{\"hs_name\":123456789012345678901234567890,\"hs_score\":-99999999999999999999999999,\"hs_country\":18446744073709551616}},{\"id\":\"7\",\"properties\":{\"hs_name\":9223372036854775807,\"hs_score\":1.50,\"hs_country\":-9223372036854775809}}]}"}]}');
SELECT id, hs_name, hs_score, hs_country FROM bignum ORDER BY id;

-- 15. Bytes of a response header that are not printable ASCII reach neither
-- hubspot_fdw_stats() nor messages: each becomes '?'.
SELECT hubspot_fdw_stats_reset();
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "body": {"results": []}, "headers": {"X-HubSpot-Correlation-Id": "cid-\u00ff\u00fe-1"}}]}');
SELECT count(*) FROM partner_clients;
SELECT endpoint, last_correlation_id FROM hubspot_fdw_stats() ORDER BY endpoint;
CALL emu_faults('{"fail_next": [{"status": 200, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "not json", "headers": {"X-HubSpot-Correlation-Id": "cid-\u00e9-2", "Content-Type": "text/\u00ffplain"}}]}');
SELECT sqlstate, message, detail FROM try('SELECT count(*) FROM partner_clients');
CALL emu_faults('{"fail_next": [{"status": 500, "match": {"path": "/crm/v3/objects/partner_clients"},
                  "raw": "{}", "headers": {"X-HubSpot-Correlation-Id": "cid-\u00ff-3"}}]}');
SELECT sqlstate, message, detail FROM try('SELECT count(*) FROM partner_clients WHERE hs_name = ''x''');
SELECT endpoint, last_correlation_id FROM hubspot_fdw_stats() ORDER BY endpoint;

-- 7. IMPORT FOREIGN SCHEMA stores no invalid UTF-8 in the catalog: a
-- property whose name or type is not valid UTF-8 is skipped with a NOTICE.
CREATE SCHEMA utf8_import;
CALL emu_faults('{"raw_repeat_once": {"encoding": "latin-1", "match": {"path": "/crm/v3/properties/partner_clients"},
                  "prefix": "{\"results\":[{\"name\":\"bad\u00ffname\",\"type\":\"string\"},{\"name\":\"good_name\",\"type\":\"string\"},{\"name\":\"bad_type\",\"type\":\"str\u00ffing\"},{\"name\":\"caf\u00c3\u00a9\",\"type\":\"number\"}]}"}}');
IMPORT FOREIGN SCHEMA crm LIMIT TO (partner_clients) FROM SERVER hubspot INTO utf8_import;
SELECT attname, format_type(atttypid, atttypmod) AS type, attfdwoptions
  FROM pg_attribute WHERE attrelid = 'utf8_import.partner_clients'::regclass AND attnum > 0
 ORDER BY attnum;

-- 8. An error whose texts are not UTF-8 keeps its SQLSTATE: the bytes that
-- are not UTF-8 show as "?", the UTF-8 ones as they are.
CALL emu_faults('{"raw_repeat_once": {"status": 400, "encoding": "latin-1", "match": {"path": "/crm/v3/objects/partner_clients"},
                  "prefix": "{\"status\":\"error\",\"message\":\"caf\u00e9 \u00c3\u00a9 na\u00efve\",\"category\":\"VALIDATION_ERROR\",\"correlationId\":\"c-1\"}"}}');
SELECT sqlstate, message, detail FROM try('SELECT count(*) FROM partner_clients');

CALL emu_reset();
DROP SCHEMA nul_import, utf8_import CASCADE;
DROP FOREIGN TABLE wide, bignum;
DROP FUNCTION backend_peak_mb();
